"""Named analytics shared with differential privacy (`privateAnalytics`): the counts of an
analytic that says how much one person can contribute, each person's contribution bounded,
noise calibrated to epsilon by OpenDP, and a privacy budget per consumer kept in Neo4j.

An analytic is answerable privately when its header has a `private:` line, e.g.

    // columns: person, channel, messages
    // private: person person; value messages; groups channel in channels; bound 20

Its Cypher returns one row per person and group: who (`person`), the group (`channel`) and a
whole count >= 0 (`messages`). The answer has one row per combination of the groups' values —
the values a list parameter names (`channels`): the caller's, public, so that which groups
exist says nothing about anyone — with that group's total over everyone. Before the totals are
summed, each person's rows are clipped so that they add at most `bound` over all groups (in
group order); adding or removing one person then moves the vector of totals by at most `bound`
(L1), and the discrete Laplace mechanism with scale bound/epsilon makes the answer
epsilon-differentially private for one person (OpenDP's `make_laplace` over integers; fresh
noise on every answer). An analytic without the line is refused (BAD_INPUT).

The budget: each consumer (a name the caller gives: the party the answers are shared with) may
spend at most `total` epsilon in all (THREADLINE_PRIVACY_BUDGET); a request past it is
LIMIT_EXCEEDED and nothing is answered. The spend is one write that locks the consumer's budget
node first, so concurrent requests can never overspend. The budget is sequential composition:
the epsilons of every answer given to a consumer add up."""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import opendp.prelude as dp

from graph.analytics.named import Analytic, find, run_with
from graph.config import AnalyticsLimits
from graph.domain.errors import BadInputError, LimitExceededError
from graph.domain.records import Table

if TYPE_CHECKING:
    from graph.store.database import Database

dp.enable_features("contrib")  # OpenDP's mechanisms with their proofs (docs.opendp.org)

MAX_GROUPS = 10_000  # combinations of group values one answer may have
MAX_CONSUMER = 200
MECHANISM = "discrete Laplace (OpenDP make_laplace over integer counts)"
_LINE = re.compile(
    r"person (\w+); value (\w+); groups ((?:\w+ in \w+)(?:, \w+ in \w+)*); bound (\d+)"
)


@dataclass(frozen=True)
class PrivateSpec:
    """What a `private:` header line says: the person and count columns, each group column with
    the list parameter naming its values, and the most one person adds over all groups."""

    person: str
    value: str
    groups: tuple[tuple[str, str], ...]  # (column, list parameter)
    bound: int

    @classmethod
    def parse(cls, text: str) -> PrivateSpec:
        match = _LINE.fullmatch(text.strip())
        if match is None or int(match.group(4)) < 1:
            raise ValueError(
                f"bad private line {text!r}: person COLUMN; value COLUMN; "
                "groups COLUMN in LIST_PARAMETER[, ...]; bound N (N >= 1)"
            )
        person, value, groups, bound = match.groups()
        pairs = tuple((g.split(" in ")[0], g.split(" in ")[1]) for g in groups.split(", "))
        return cls(person, value, pairs, int(bound))


@dataclass(frozen=True)
class PrivateAnswer:
    name: str
    columns: list[str]
    rows: list[list[Any]]
    mechanism: str
    sensitivity: int  # L1: the most one person moves the totals
    scale: float  # the noise's scale, sensitivity / epsilon
    epsilon_spent: float
    epsilon_left: float
    consumer: str


def check_request(epsilon: float, consumer: str) -> None:
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise BadInputError("epsilon must be a number > 0", field="epsilon")
    if not consumer.strip() or len(consumer) > MAX_CONSUMER:
        raise BadInputError(f"consumer must be 1..{MAX_CONSUMER} characters", field="consumer")


def spec_of(analytic: Analytic) -> PrivateSpec:
    if analytic.private is None:
        raise BadInputError(
            f"{analytic.name} does not declare how much one person can contribute (no "
            "`// private:` line), so it cannot be answered with differential privacy",
            field="name",
        )
    return PrivateSpec.parse(analytic.private)


def domain(spec: PrivateSpec, arguments: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every combination of the groups' values the caller named, in order."""
    values = []
    for column, parameter in spec.groups:
        named = arguments.get(parameter)
        if not isinstance(named, list) or not named or not all(isinstance(v, str) for v in named):
            raise BadInputError(
                f"{parameter} must be a non-empty list of strings: the {column} values to count",
                field=parameter,
            )
        values.append(list(dict.fromkeys(named)))
    size = math.prod(len(v) for v in values)
    if size > MAX_GROUPS:
        raise LimitExceededError(f"{size} groups; at most {MAX_GROUPS}", field="params")
    return list(itertools.product(*values))


def clipped_totals(table: Table, spec: PrivateSpec, groups: list[tuple[str, ...]]) -> list[int]:
    """Each group's total, each person's rows counted in group order until they have added
    `bound` (values that are not whole counts >= 0 count 0; groups not asked for, nothing)."""
    columns = table.columns
    needed = (spec.person, spec.value, *(g for g, _ in spec.groups))
    missing = [c for c in needed if c not in columns]
    if missing:
        raise BadInputError(f"the analytic returns no column {missing[0]!r}", field="name")
    person, value = columns.index(spec.person), columns.index(spec.value)
    group_at = [columns.index(g) for g, _ in spec.groups]
    position = {g: n for n, g in enumerate(groups)}
    per_person: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for row in table.rows:
        group = tuple(row[i] for i in group_at)
        if group in position:
            count = row[value]
            amount = count if isinstance(count, int) and not isinstance(count, bool) else 0
            per_person[row[person]].append((position[group], max(amount, 0)))
    totals = [0] * len(groups)
    for rows in per_person.values():
        left = spec.bound
        for n, amount in sorted(rows):
            taken = min(amount, left)
            totals[n] += taken
            left -= taken
            if left == 0:
                break
    return totals


def noised(totals: list[int], sensitivity: int, epsilon: float) -> list[int]:
    """The totals with discrete Laplace noise of scale sensitivity/epsilon (OpenDP): an
    epsilon-DP release for inputs that differ by at most `sensitivity` in L1."""
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = dp.m.make_laplace(*space, scale=sensitivity / epsilon)
    if measurement.map(sensitivity) > epsilon * (1 + 1e-9):  # type: ignore[no-untyped-call]
        raise AssertionError("the mechanism does not meet the epsilon asked for")
    return list(measurement(totals))


async def spend(db: Database, consumer: str, epsilon: float, total: float) -> float:
    """Take `epsilon` from the consumer's budget (made with `total` on first use) in one locked
    write; what is left. LIMIT_EXCEEDED, and nothing spent, past the budget."""
    records = await db.write("privacy/spend", consumer=consumer, epsilon=epsilon, total=total)
    record = records[0]
    if not record["spent"]:
        raise LimitExceededError(
            f"consumer {consumer!r} has {record['left']:g} of its privacy budget "
            f"(epsilon {record['total']:g}) left; this answer needs {epsilon:g}",
            field="epsilon",
        )
    return float(record["left"])


async def budget_left(db: Database, consumer: str, total: float) -> float:
    records = await db.read("privacy/budget", consumer=consumer)
    return float(records[0]["left"]) if records else total


async def answer_privately(
    db: Database,
    name: str,
    given: dict[str, Any],
    epsilon: float,
    consumer: str,
    limits: AnalyticsLimits,
) -> PrivateAnswer:
    """A named analytic's group totals, clipped per person, noised for `epsilon`, paid from the
    consumer's budget (nothing is answered when the budget cannot pay)."""
    check_request(epsilon, consumer)
    analytic = find(name)
    spec = spec_of(analytic)
    arguments = analytic.arguments(given)
    groups = domain(spec, arguments)
    table = await run_with(db, analytic, arguments, limits)
    if table.truncated:
        raise LimitExceededError(
            f"{name} returned more than {limits.max_rows} rows (THREADLINE_ANALYTICS_MAX_ROWS): "
            "a private answer needs every person's rows",
            field="params",
        )
    values = noised(clipped_totals(table, spec, groups), spec.bound, epsilon)
    left = await spend(db, consumer, epsilon, limits.privacy_budget)
    return PrivateAnswer(
        name=name,
        columns=[g for g, _ in spec.groups] + [spec.value],
        rows=[[*group, value] for group, value in zip(groups, values, strict=True)],
        mechanism=MECHANISM,
        sensitivity=spec.bound,
        scale=spec.bound / epsilon,
        epsilon_spent=epsilon,
        epsilon_left=left,
        consumer=consumer,
    )

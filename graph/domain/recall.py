"""Memory recall, the pure part: how a question becomes keyword terms, and how the signals
found for each message of a person's history are fused into one ranking (docs/recall.md).

Signals, each a score in [0, 1] per message, summed with the weights of `Weights`:
- keyword: BM25 over the person's own history (which of its messages hold each question term,
  by the English analysis of enrichment/terms.py; idf from the person's counts), divided by the
  best score of this question;
- entity: the message mentions a normalized entity the question mentions (`ORDER_ID:A1001`);
  entity hop: it mentions an entity that is co-mentioned with one of those elsewhere in the
  history, or an identifier the best keyword matches mention (the tracking number given for
  the order of the broken kettle); both scaled by how specific the entity is to a few of the
  person's messages (an order id mentioned twice counts fully, the other person's name in
  every other turn hardly); type: it mentions the kind of entity the question asks for ("my
  phone number": a PHONE);
- intent: it expresses an intent the question expresses (`delivery_problem`);
- dense: the message is among the turns nearest to the question by a sentence model's
  embeddings (embeddings on); vector: that similarity also reorders what matched otherwise;
- date: the message was sent, or mentions a date, inside the time the question names;
- then structure: a message next to a match in its session gets part of its score — of the
  score the turn after it ends with (a question takes in its answer, and what the answer led
  to), or of the turn before it's own score (an answer takes in its question) — the sessions
  holding strong matches get a bonus (hits cluster in sessions), and recency breaks near-ties.
A message with none of the first signals is not a hit.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter, itemgetter

from enrichment.terms import terms

MAX_QUERY_CHARS = 2000
MAX_QUERY_TERMS = 64
MAX_STATISTICS_WORDS = 16  # distinct question terms counted per recall
SEEDS, SEED_SHARE = 3, 0.5  # keyword matches whose identifiers are followed one hop
# The person's attributes that hold a name they go by: a question naming them asks about their
# own turns (`named_speaker`).
NAME_ATTRIBUTES = ("name", "first_name", "last_name", "full_name", "display_name", "nickname")
IDENTIFIER_TYPES = frozenset(
    {"ORDER_ID", "SKU", "TRACKING_NUMBER", "ACCOUNT_NUMBER", "TICKET_NUMBER", "EMAIL", "PHONE"}
)
# Phrases that name a kind of entity enrichment recognizes (enrichment/identifiers.py): a message
# mentioning one gets the `type:` signal. "phone number" asks for a PHONE, and is no keyword (the
# words would match "my phone broke" and every "tracking number"); "price" stays a keyword too.
TYPE_PHRASES = {
    "PHONE": (r"(?:phone|telephone|cell|mobile|contact) numbers?", True),
    "EMAIL": (r"e-?mail(?: address(?:es)?)?", False),
    "TRACKING_NUMBER": (r"tracking (?:numbers?|codes?|ids?)", True),
    "ORDER_ID": (r"order (?:numbers?|ids?)", True),
    "TICKET_NUMBER": (r"(?:ticket|case) numbers?", True),
    "ACCOUNT_NUMBER": (r"account numbers?", True),
    "SKU": (r"skus?", False),
    "MONEY": (r"how much|amount", False),
}
_TYPE_PATTERNS = [
    (kind, re.compile(rf"\b{pattern}\b"), phrase_only)
    for kind, (pattern, phrase_only) in TYPE_PHRASES.items()
]
LATEST = re.compile(r"\b(?:current(?:ly)?|latest|now|newest|most recent|these days|anymore)\b")
_WORD = re.compile(r"\w+")
# Words a question is made of but its answer is not: interrogatives, pronouns, auxiliaries and
# the verbs of asking about memory ("what did I mention about..."). Lucene's English analyzer
# drops a few dozen stop words on both sides; these go from the question only.
QUESTION_WORDS = frozenset(
    """
    a about again also am an and any anything are as ask asked at be been being but by can
    could did do does doing done else ever for from had has have having he her hers him his
    how i if in into is it its just let me mention mentioned mine my myself of on or our ours
    please recall remember said say says she should so some something tell that the their them
    then there these they this those to told too us was we were what whatever when where which
    who whom whose why will with would you your yours
    """.split()  # noqa: SIM905 - a word list reads better as words
)
FIRST_PERSON = re.compile(
    r"\b(?:did i|i (?:said|told|mentioned|asked|wrote|gave|sent)|have i|my)\b"
)
SECOND_PERSON = re.compile(
    r"\b(?:did you|you (?:said|told|recommended|suggested|mentioned|sent|offered|gave))\b"
)


@dataclass(frozen=True)
class Weights:
    keyword: float = 1.0
    entity: float = 1.0
    entity_hop: float = 0.3
    vector: float = 0.2  # similarity reordering what matched for another reason
    dense: float = 1.0  # similarity as a match of its own: the nearest `dense_candidates` turns
    dense_candidates: int = 100
    entity_type: float = 0.3
    intent: float = 0.3
    date: float = 0.5
    other_time: float = 0.7  # factor for a message outside the time the question names
    speaker: float = 0.3  # the question asks about their words ("did I", or names them)
    latest: float = 0.3
    neighbour: float = 0.3  # what a turn borrows from a matching turn next to it
    reply: float = 1.0  # factor for the turn after a match (an answer to a matched question)
    session: float = 0.3
    recency: float = 0.05
    recency_half_life_days: float = 60.0


@dataclass(slots=True)
class Candidate:
    """A message of the history as the ranking sees it (hundreds per question: kept light)."""

    id: str
    session_id: str
    seq: int
    at_ms: int  # epoch milliseconds
    entity_keys: tuple[str, ...] = ()
    role: str = "USER"
    intents: tuple[str, ...] = ()

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.at_ms / 1000, tz=UTC)


@dataclass(frozen=True)
class Question:
    """A recall's question as the enrichment pipeline understood it."""

    text: str
    entities: frozenset[str] = frozenset()  # normalized entity keys it mentions
    vector: tuple[float, ...] | None = None  # its embedding, unit length (embeddings on)
    model: str | None = None  # the model that embedded it (messages by another are not compared)
    time: tuple[datetime, datetime] | None = None  # the time it names ("last May")
    # its keyword terms (enrichment/terms.py; without question words and the time phrase)
    terms: tuple[str, ...] = ()
    # the value of each of `entities` as the question names it (a personal entity's key is
    # stored as its hash, graph/domain/sealed.py)
    entity_values: dict[str, str] = field(default_factory=dict)
    # "USER" for "what did I say" or a question naming the person, "AGENT" for "what did you
    # say" or one naming an agent who handled their sessions (`named_speaker`)
    speaker: str | None = None
    entity_types: frozenset[str] = frozenset()  # "my phone number": PHONE
    latest: bool = False  # "current", "now", "latest": the newest statement wins
    intents: frozenset[str] = frozenset()  # its intents ("what went wrong with my delivery")
    dense: bool = False  # its model's nearest turns are matches of their own (a sentence model)


@dataclass
class Ranked:
    id: str
    score: float
    signals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence:
    """What the searches found for one question over one history."""

    keyword: dict[str, float]  # message id -> fulltext score
    query_entities: frozenset[str]  # the question's entity keys
    vector: dict[str, float] = field(default_factory=dict)  # message id -> cosine similarity
    date_range: tuple[datetime, datetime] | None = None
    speaker: str | None = None
    entity_types: frozenset[str] = frozenset()  # the kinds of entity the question asks for
    latest: bool = False  # the question asks for the current value
    intents: frozenset[str] = frozenset()  # the intents the question expresses
    dense: bool = False  # the similarities come from a model whose nearest turns are matches
    # When the ranking sees only the messages with a signal (a long history), what it cannot
    # work out from them, computed over the whole history (graph/recall/search.py):
    history_size: int | None = None  # messages in the history
    mentions: dict[str, int] | None = None  # messages mentioning each entity worth a look
    similarity_range: tuple[float, float] | None = None  # the median and top similarity
    nearest: list[tuple[str, float]] | None = None  # the most similar turns, best first


def question_terms(question: str) -> list[str]:
    """The question's keyword terms: its words without question words, analysed as messages'
    are (enrichment/terms.py: stop words out, stemmed), each once, the first
    `MAX_STATISTICS_WORDS`."""
    words = [w for w in _WORD.findall(question.casefold()) if w not in QUESTION_WORDS]
    found = dict.fromkeys(terms(" ".join(words[:MAX_QUERY_TERMS])))
    return list(found)[:MAX_STATISTICS_WORDS]


def asked_speaker(question: str) -> str | None:
    """Whose words a question is about: the other side's ("what did you recommend") or the
    person's own ("what did I say", "my address")."""
    text = question.casefold()
    if SECOND_PERSON.search(text):
        return "AGENT"
    if FIRST_PERSON.search(text):
        return "USER"
    return None


def named_speaker(
    question: str, user_names: Iterable[str], agent_names: Iterable[str]
) -> str | None:
    """Whose words a question is about when it names them: "USER" when it names the person
    (a word of one of their names: "What has Melanie painted?"), "AGENT" when it names an agent
    who handled their sessions, nobody when it names both sides or neither."""
    words = set(_WORD.findall(question.casefold()))
    sides = set()
    for side, names in (("USER", user_names), ("AGENT", agent_names)):
        if not words.isdisjoint(_name_words(names)):
            sides.add(side)
    return sides.pop() if len(sides) == 1 else None


def _name_words(names: Iterable[str]) -> set[str]:
    """The words a name goes by ("Anna Maria Lopez": anna, maria, lopez), without one-letter
    initials and the words questions are made of (a "Will" is not found by "will you...")."""
    return {
        word
        for name in names
        for word in _WORD.findall(name.casefold())
        if len(word) > 1 and word not in QUESTION_WORDS
    }


def asked_entity_types(question: str) -> tuple[frozenset[str], str]:
    """The kinds of entity a question asks for by name ("my phone number" -> PHONE), and the
    question without the phrases that are only a kind ("phone number"), for its keywords."""
    text = question.casefold()
    kinds = set()
    for kind, pattern, phrase_only in _TYPE_PATTERNS:
        if pattern.search(text):
            kinds.add(kind)
            if phrase_only:
                text = pattern.sub(" ", text)
    return frozenset(kinds), text


def asks_for_latest(question: str) -> bool:
    return bool(LATEST.search(question.casefold()))


def keyword_scores(matches: dict[str, set[str]], history_size: int) -> dict[str, float]:
    """BM25 over one person's history, from which of its messages hold each word (the index's
    analysis): idf from the person's own counts, a word counted once per message (chat turns are
    short). Nothing outside the history changes it."""
    scores: dict[str, float] = defaultdict(float)
    for ids in matches.values():
        if not ids:
            continue
        idf = word_weight(len(ids), history_size)
        for message_id in ids:
            scores[message_id] += idf
    return dict(scores)


def word_weight(found: int, history_size: int) -> float:
    """A word's BM25 idf in one person's history: `found` of its `history_size` messages hold
    it (a rarer word weighs more)."""
    total = max(history_size, 1)
    found = min(found, total)
    return math.log(1 + (total - found + 0.5) / (found + 0.5))


def _said_by(role: str, speaker: str) -> bool:
    return role == "USER" if speaker == "USER" else role in ("AGENT", "BOT")


def co_mentioned(candidates: list[Candidate], query_entities: frozenset[str]) -> dict[str, float]:
    """Entities mentioned in the same message as one of the question's entities (strength 1)."""
    found: set[str] = set()
    if query_entities:
        for candidate in candidates:
            if not query_entities.isdisjoint(candidate.entity_keys):
                found.update(candidate.entity_keys)
    return dict.fromkeys(found - query_entities, 1.0)


def mention_counts(
    keys_of_messages: Iterable[Sequence[str]], keys: set[str] | frozenset[str]
) -> dict[str, int]:
    """How many messages mention each of `keys`."""
    mentions: dict[str, int] = dict.fromkeys(keys, 0)
    for message_keys in keys_of_messages:
        if message_keys and not mentions.keys().isdisjoint(message_keys):
            for key in set(message_keys) & mentions.keys():
                mentions[key] += 1
    return mentions


def _specificity(
    candidates: list[Candidate], keys: set[str] | frozenset[str], evidence: Evidence
) -> dict[str, float]:
    """How specific each entity is to a few messages of this history, in (0, 1]: an idf scaled
    so a key one message mentions counts 1 (an order id), and one most messages mention little
    (the name of the person on the other side of a chat, found by statistical NER)."""
    if not keys:
        return {}
    if evidence.mentions is not None and evidence.history_size is not None:
        mentions = {k: evidence.mentions.get(k, 0) for k in keys}
        size = max(evidence.history_size, 2)
    else:
        mentions = mention_counts((c.entity_keys for c in candidates), keys)
        size = max(len(candidates), 2)
    return {k: math.log(1 + size / max(n, 1)) / math.log(1 + size) for k, n in mentions.items()}


def keyword_seeds(
    candidates: list[Candidate], keyword: dict[str, float], best: float
) -> dict[str, float]:
    """Identifiers mentioned by the best keyword matches, with their match's strength: what the
    question is about when it does not name it ("the tracking number of the broken kettle":
    the kettle's message names its order, the tracking number's message names that order)."""
    strong = sorted(
        (c for c in candidates if keyword.get(c.id, 0.0) >= SEED_SHARE * best),
        key=lambda c: (-keyword[c.id], -c.at_ms, c.id),  # ties: newer first, then id
    )[:SEEDS]
    seeds: dict[str, float] = {}
    for c in strong:
        for key in c.entity_keys:
            if key.split(":", 1)[0] in IDENTIFIER_TYPES:
                seeds[key] = max(seeds.get(key, 0.0), keyword[c.id] / best)
    return seeds


def similarity_range(values: list[float]) -> tuple[float, float]:
    """The median (the upper one of an even count) and the top of the similarities."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[-1]


def _vector_scores(
    similarities: dict[str, float], given: tuple[float, float] | None = None
) -> dict[str, float]:
    """Similarities above the history's median, scaled to [0, 1] (most turns of a chat are
    somewhat similar to any question: only the top half says anything)."""
    if not similarities:
        return {}
    floor, top = given or similarity_range(list(similarities.values()))
    if top <= floor:
        return {}
    return {i: (s - floor) / (top - floor) for i, s in similarities.items() if s > floor}


def nearest_turns(similarities: Iterable[tuple[str, float]], count: int) -> list[tuple[str, float]]:
    """The `count` most similar turns, best first (ties: by message id), without sorting a long
    history whole."""
    return heapq.nsmallest(count, similarities, key=lambda item: (-item[1], item[0]))


def _dense_scores(
    similarities: dict[str, float],
    candidates: int,
    nearest: list[tuple[str, float]] | None = None,
) -> dict[str, float]:
    """The `candidates` most similar turns, scaled to (0, 1]: 1 for the nearest, falling to 0
    at the first turn left out (ties at the edge break on the message id)."""
    if not similarities or candidates <= 0:
        return {}
    # the nearest `candidates` and the first left out, in sorted order
    if nearest is not None:  # worked out over the whole history
        ordered = nearest[: candidates + 1]
    else:
        ordered = nearest_turns(similarities.items(), candidates + 1)
    top = ordered[0][1]
    floor = ordered[candidates][1] if len(ordered) > candidates else ordered[-1][1] - 1e-6
    if top <= floor:
        return {}
    return {i: (s - floor) / (top - floor) for i, s in ordered[:candidates] if s > floor}


def _date_score(c: Candidate, span: tuple[int, int], days: tuple[str, str]) -> float:
    """1 in the middle of the time named, 0.5 at its ends (and for a date mentioned in it)."""
    start, end = span
    if start <= c.at_ms < end:
        middle, half = (start + end) / 2, (end - start) / 2
        return 1.0 - 0.5 * min(1.0, abs(c.at_ms - middle) / half)
    low, high = days
    return 0.5 if any(k.startswith("DATE:") and low <= k[5:] < high for k in c.entity_keys) else 0.0


class _Signals:
    """Everything the base score of a message needs, computed once per question."""

    def __init__(self, candidates: list[Candidate], evidence: Evidence, weights: Weights) -> None:
        self.evidence, self.weights = evidence, weights
        self.best_keyword = max(evidence.keyword.values(), default=0.0)
        hops = co_mentioned(candidates, evidence.query_entities)
        if self.best_keyword > 0:
            for key, strength in keyword_seeds(
                candidates, evidence.keyword, self.best_keyword
            ).items():
                if key not in evidence.query_entities:
                    hops[key] = max(hops.get(key, 0.0), strength)
        self.hops = hops
        self.wanted = evidence.query_entities | hops.keys()  # keys worth a closer look
        self.specific = _specificity(candidates, self.wanted, evidence)
        self.vectors = _vector_scores(evidence.vector, evidence.similarity_range)
        retrieves = evidence.dense and weights.dense > 0
        self.dense = (
            _dense_scores(evidence.vector, weights.dense_candidates, evidence.nearest)
            if retrieves
            else {}
        )
        self.span: tuple[int, int] | None = None
        self.days = ("", "")
        if evidence.date_range is not None:
            start, end = evidence.date_range
            self.span = (int(start.timestamp() * 1000), int(end.timestamp() * 1000))
            self.days = (start.date().isoformat(), end.date().isoformat())

    def score(self, c: Candidate) -> Ranked | None:
        e, w = self.evidence, self.weights
        score, signals = 0.0, []
        if self.best_keyword > 0 and (keyword := e.keyword.get(c.id, 0.0)) > 0:
            score += w.keyword * keyword / self.best_keyword
            signals.append("keyword")
        if c.entity_keys:
            score += self._entity_signals(c, signals)
        if e.intents and c.intents and (intents := sorted(e.intents.intersection(c.intents))):
            score += w.intent
            signals += [f"intent:{name}" for name in intents]
        if (dense := self.dense.get(c.id, 0.0)) > 0:
            score += w.dense * dense
            signals.append("dense")
        if self.span is not None:
            if (when := _date_score(c, self.span, self.days)) > 0:
                score += w.date * when
                signals.append("date")
            else:  # the question names a time and this was said at another
                score *= w.other_time
        if score <= 0:
            return None
        # similarity also reorders what matched (the dense signal above is the nearest turns
        # alone: docs/recall.md, Embeddings)
        if (vector := self.vectors.get(c.id, 0.0)) > 0:
            score += w.vector * vector
            if vector >= 0.5:
                signals.append("vector")
        if e.speaker is not None and _said_by(c.role, e.speaker):
            score += w.speaker
        return Ranked(c.id, score, signals)

    def _entity_signals(self, c: Candidate, signals: list[str]) -> float:
        """The entities it names: the question's (or hops from them), and the kinds asked for."""
        score = 0.0
        if not self.wanted.isdisjoint(c.entity_keys):
            score += self._entities(c, signals)
        asked = self.evidence.entity_types
        if asked and (kinds := sorted({k.split(":", 1)[0] for k in c.entity_keys} & asked)):
            score += self.weights.entity_type
            signals += [f"type:{kind}" for kind in kinds]
        return score

    def _entities(self, c: Candidate, signals: list[str]) -> float:
        keys = set(c.entity_keys)
        if direct := sorted(keys & self.evidence.query_entities):
            signals += [f"entity:{key}" for key in direct]
            specific = max(self.specific[key] for key in direct)
            return self.weights.entity * min(1.0, 0.75 + 0.25 * len(direct)) * specific
        hopped = sorted(keys & self.hops.keys(), key=lambda k: (-self.hops[k], k))
        signals += [f"entity-hop:{key}" for key in hopped[:3]]
        return self.weights.entity_hop * self.hops[hopped[0]] * self.specific[hopped[0]]


def _base_scores(
    candidates: list[Candidate], evidence: Evidence, weights: Weights
) -> dict[str, Ranked]:
    signals = _Signals(candidates, evidence, weights)
    scored = {c.id: r for c in candidates if (r := signals.score(c)) is not None}
    if evidence.latest and scored:  # "my current number": the newer statement wins
        times = [c.at_ms for c in candidates if c.id in scored]
        oldest, span = min(times), (max(times) - min(times)) or 1.0
        for c in candidates:
            if c.id in scored:
                scored[c.id].score += weights.latest * (c.at_ms - oldest) / span
    return scored


def fuse(
    candidates: list[Candidate], evidence: Evidence, now: datetime, weights: Weights | None = None
) -> list[Ranked]:
    """Every matching message, best first (ties: newer first, then id): deterministic."""
    weights = weights or Weights()
    now_ms = now.timestamp() * 1000
    base = _base_scores(candidates, evidence, weights)
    if not base:
        return []
    by_position = {(c.session_id, c.seq): c for c in candidates}
    session_best: dict[str, float] = defaultdict(float)
    near: dict[str, Candidate] = {}  # what matched, and the turns next to it
    for c in candidates:
        if c.id in base:
            session_best[c.session_id] = max(session_best[c.session_id], base[c.id].score)
            near[c.id] = c
            for step in (-1, 1):
                if (other := by_position.get((c.session_id, c.seq + step))) is not None:
                    near.setdefault(other.id, other)
    top_session = max(session_best.values())
    # A turn borrows from the turn after it what that turn ends with (an answer, and what the
    # answer led to), and from the turn before it that turn's own score (times `reply`): so each
    # session is scored from its last turn back, whatever order the candidates came in.
    own_scores = {message_id: r.score for message_id, r in base.items()}
    final: dict[str, float] = {}
    ranked: list[tuple[float, float, str, Ranked]] = []
    # each session from its last turn back (sessions are independent: their order is any)
    for c in sorted(near.values(), key=attrgetter("session_id", "seq"), reverse=True):
        own = base.get(c.id)
        after = by_position.get((c.session_id, c.seq + 1))
        before = by_position.get((c.session_id, c.seq - 1))
        lent = weights.neighbour * max(
            final[after.id] if after is not None and after.id in base else 0.0,
            own_scores[before.id] * weights.reply
            if before is not None and before.id in base
            else 0.0,
        )
        if own is None and lent < weights.neighbour * 0.5:
            continue  # a message is a hit for its own signals, or next to a strong one
        hit = own or Ranked(c.id, 0.0, [])
        score = hit.score + lent
        if own is None and evidence.speaker is not None and _said_by(c.role, evidence.speaker):
            score += weights.speaker  # the one asked about, answering next to a match
        if lent > 0 and (own is None or lent >= 0.5 * own.score):
            hit.signals.append("neighbour")
        score += weights.session * session_best.get(c.session_id, 0.0) / top_session
        age_days = max(0.0, (now_ms - c.at_ms) / 86_400_000)
        recency = weights.recency * 0.5 ** (age_days / weights.recency_half_life_days)
        score += recency
        if own is not None and recency > 0.5 * own.score:
            hit.signals.append("recent")
        hit.score = final[c.id] = round(score, 6)
        ranked.append((-hit.score, -c.at_ms, c.id, hit))
    ranked.sort(key=itemgetter(0, 1, 2))  # ids are unique: a total order
    return [row[3] for row in ranked]

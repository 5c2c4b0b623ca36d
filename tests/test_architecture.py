"""The shape of the code is checked, not hoped for: the layer contracts of pyproject.toml hold
(and would fail on a backwards import), and no module imports itself in a circle."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph", "api", "connectors", "enrichment", "cypher")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, check=False
    )


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout


def test_a_backwards_import_breaks_the_layer_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    domain = tmp_path / "graph" / "domain" / "masking.py"
    domain.write_text(domain.read_text() + "\nfrom graph.store import database  # backwards\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "graph.domain is not allowed to import graph.store" in result.stdout


def test_analytics_compliance_and_the_pipeline_are_independent_siblings(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    analytics = tmp_path / "graph" / "analytics" / "named.py"
    analytics.write_text(
        analytics.read_text() + "\nfrom graph.compliance import audit  # sideways\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "graph.analytics is not allowed to import graph.compliance" in result.stdout


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in edges:
        if node not in index:
            visit(node)
    return circles


def test_no_module_imports_itself_in_a_circle() -> None:
    """Runtime imports count, those inside functions too (they used to hold circles together);
    imports under TYPE_CHECKING do not run."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    modules = set(graph.modules)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
    assert strongly_connected(edges) == []


def test_only_the_store_gateway_touches_the_driver() -> None:
    """Routing, database name, retries and outage translation live in one place."""
    allowed = {ROOT / "graph" / "store" / "database.py"}
    touching = [
        str(path.relative_to(ROOT))
        for package in ("graph", "api", "connectors")
        for path in (ROOT / package).rglob("*.py")
        if path not in allowed
        and "local" not in path.relative_to(ROOT).parts  # dev tooling runs its own servers
        and ".driver" in path.read_text()
    ]
    assert touching == []


def test_records_live_in_the_domain() -> None:
    """The shapes of what the store returns are domain records, not store or compliance types."""
    outside = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for package in ("graph", "api", "connectors")
        for path in (ROOT / package).rglob("*.py")
        if "domain" not in path.relative_to(ROOT).parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Record")
    ]
    assert outside == []


def test_the_domain_has_no_import_circle_even_for_type_checking() -> None:
    """records.py used to type ContextRecord's fields with as_of.py's and brief.py's types
    while both import records.py; the record that composes them now sits above them."""
    graph = grimp.build_graph("graph", exclude_type_checking_imports=False, cache_dir=None)
    domain = {m for m in graph.modules if m.startswith("graph.domain")}
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & domain for m in domain}
    assert strongly_connected(edges) == []


def test_the_api_and_the_connectors_never_import_the_driver() -> None:
    """Driver exceptions are translated in the store gateway; above it, only Threadline errors."""
    graph = grimp.build_graph(
        *PACKAGES,
        include_external_packages=True,
        exclude_type_checking_imports=True,
        cache_dir=None,  # the graph of the files as they are, never a cached one
    )
    importers = {
        module
        for module in graph.find_modules_that_directly_import("neo4j")
        if module.split(".")[0] in ("api", "connectors")
    }
    assert importers == set()

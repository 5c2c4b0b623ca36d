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


def copy_tree(target: Path) -> None:
    """Our packages and their contracts, without the web SDK's npm packages and builds."""
    skip = shutil.ignore_patterns("*.pyc", "__pycache__", "node_modules", "dist", "build-test")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", target)


def test_a_backwards_import_breaks_the_layer_contract(tmp_path: Path) -> None:
    copy_tree(tmp_path)
    domain = tmp_path / "graph" / "domain" / "masking.py"
    domain.write_text(domain.read_text() + "\nfrom graph.store import database  # backwards\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "graph.domain is not allowed to import graph.store" in result.stdout


def test_analytics_compliance_and_the_pipeline_are_independent_siblings(tmp_path: Path) -> None:
    copy_tree(tmp_path)
    analytics = tmp_path / "graph" / "analytics" / "named.py"
    analytics.write_text(
        analytics.read_text() + "\nfrom graph.compliance import audit  # sideways\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "graph.analytics is not allowed to import graph.compliance" in result.stdout


def test_an_agent_side_client_importing_the_server_breaks_its_contract(tmp_path: Path) -> None:
    """The clients (Python client, MCP server, LangChain) sit above the API and speak HTTP: a
    client module importing a server package — or a platform adapter — breaks the contract."""
    copy_tree(tmp_path)
    mcp = tmp_path / "connectors" / "clients" / "mcp_server.py"
    mcp.write_text(mcp.read_text() + "\nfrom graph.domain import errors  # server side\n")
    langchain = tmp_path / "connectors" / "clients" / "langchain.py"
    langchain.write_text(langchain.read_text() + "\nfrom connectors.platforms import base\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "connectors.clients.mcp_server -> graph.domain.errors" in result.stdout
    assert "connectors.clients.langchain -> connectors.platforms" in result.stdout


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


GATEWAY = "graph.store.database"
DRIVER_ATTRIBUTES = {"driver", "execute_query", "execute_read", "execute_write", "_session", "_tx"}


def test_only_the_store_gateway_imports_the_driver() -> None:
    """Routing, database name, retries and the translation of driver failures live in one
    module: no other module of ours imports `neo4j`, not even for a type (dev tooling that
    provisions a server, `graph.local`, is not part of the running service)."""
    graph = grimp.build_graph(
        *PACKAGES,
        include_external_packages=True,
        exclude_type_checking_imports=False,
        cache_dir=None,  # the graph of the files as they are, never a cached one
    )
    importers = {
        module
        for module in graph.find_modules_that_directly_import("neo4j")
        if not module.startswith("graph.local")
    }
    assert importers == {GATEWAY}


def python_files(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def reaching_past_the_gateway(path: Path, where: str) -> list[str]:
    """Where a module reaches for a driver, session or transaction (`.driver`, `.session`,
    `execute_*`...), or loads a statement to run it itself (`cypher.load`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in DRIVER_ATTRIBUTES:
            found.append(f"{where}:{node.lineno} .{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "load"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "cypher"
        ):
            found.append(f"{where}:{node.lineno} cypher.load")
    return found


def test_only_the_store_gateway_runs_statements() -> None:
    """Outside the gateway nobody reaches for its driver or sessions, and no module loads a
    statement to run it itself: callers name statements and the gateway's verbs run them (the
    analytics catalog reads its files' headers, and hands their text to `read_untrusted`)."""
    exempt = {"graph/store/database.py", "graph/analytics/named.py"}
    found = [
        finding
        for path in python_files("graph", "api", "connectors")
        if "local" not in path.relative_to(ROOT).parts  # dev tooling runs its own servers
        and (where := str(path.relative_to(ROOT))) not in exempt
        for finding in reaching_past_the_gateway(path, where)
    ]
    assert found == []


def test_the_gateway_check_catches_a_module_running_its_own_statement(tmp_path: Path) -> None:
    offender = tmp_path / "offender.py"
    offender.write_text(
        "import cypher\n"
        "async def f(db):\n"
        "    async with db.driver.session() as s:\n"
        "        await s.run(cypher.load('read/session'))\n"
    )
    assert reaching_past_the_gateway(offender, "offender.py") == [
        "offender.py:3 .driver",
        "offender.py:4 cypher.load",
    ]


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

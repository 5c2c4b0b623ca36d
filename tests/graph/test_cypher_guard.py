"""Ad-hoc Cypher is read-only for real: refused from Neo4j's own plan, whatever the text says."""

from __future__ import annotations

import pytest
from neo4j import Driver

from graph.analytics.cypher_guard import procedure_name, refusal
from graph.analytics.named import read_only, run_analytic
from graph.config import Settings
from graph.domain.errors import BadInputError
from graph.local.provision import Neo4jTarget
from graph.store.database import Database


def test_a_plan_is_refused_for_what_it_does() -> None:
    def plan(operator: str, details: str = "") -> dict[str, object]:
        leaf = {"operatorType": f"{operator}@neo4j", "args": {"Details": details}}
        return {"operatorType": "ProduceResults@neo4j", "args": {}, "children": [leaf]}

    assert refusal("r", plan("NodeIndexSeek")) is None
    assert refusal("rw", plan("Create")) is not None
    assert refusal("s", plan("ProcedureCall", "dbms.listConfig() :: (name :: STRING)")) is not None
    assert "LOAD CSV" in (refusal("r", plan("LoadCSV")) or "")
    assert "IN TRANSACTIONS" in (refusal("r", plan("TransactionApply")) or "")
    assert "administration" in (refusal("r", plan("TerminateTransactions")) or "")
    assert "administration" in (refusal("r", plan("ShowTransactions")) or "")
    assert refusal("r", plan("ProcedureCall", "db.labels() :: (label :: STRING)")) is None
    assert "not allowed" in (refusal("r", plan("ProcedureCall", "apoc.load.json($u)")) or "")
    assert procedure_name("db.index.fulltext.queryNodes($a, $b) :: (node :: NODE)") == (
        "db.index.fulltext.queryNodes"
    )


REFUSED = [
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV"),
    ("LOAD CSV FROM 'http://127.0.0.1:9/secret' AS line RETURN line", "LOAD CSV"),
    ("WITH 'file:///etc/' + 'passwd' AS url LOAD CSV FROM url AS line RETURN line", "LOAD CSV"),
    ("CALL () { MATCH (n) RETURN n } IN TRANSACTIONS RETURN 1", "IN TRANSACTIONS"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "administration"),
    ("SHOW TRANSACTIONS", "administration"),
    ("SHOW SETTINGS YIELD name RETURN name", "administration"),
    ("CALL dbms.listConfig() YIELD name RETURN name", "writes or changes"),
    ("CALL db.ping()", "not allowed"),
    ("MATCH (n:Nothing) DETACH DELETE n", "writes"),
]


@pytest.mark.integration
@pytest.mark.anyio
@pytest.mark.parametrize(("query", "reason"), REFUSED)
async def test_ad_hoc_cypher_refuses_what_reaches_outside_the_graph(
    db: Database, query: str, reason: str
) -> None:
    with pytest.raises(BadInputError, match=f"read-only: .*{reason}"):
        await read_only(db, query, {}, 10, 5)


@pytest.mark.integration
@pytest.mark.anyio
async def test_plain_reads_and_allowed_procedures_still_run(db: Database) -> None:
    table = await read_only(db, "MATCH (s:Session) RETURN count(s) >= 0 AS ok", {}, 10, 5)
    assert table.rows == [[True]]
    labels = await read_only(db, "CALL db.labels() YIELD label RETURN label", {}, 1000, 5)
    assert ["Session"] in labels.rows
    found = await read_only(
        db,
        "CALL db.index.fulltext.queryNodes('message_search', $q) YIELD node "
        "RETURN count(node) AS n",
        {"q": "zzzz-no-such-word"},
        10,
        5,
    )
    assert found.columns == ["n"]


@pytest.mark.integration
@pytest.mark.anyio
async def test_ad_hoc_cypher_runs_as_the_configured_reader(
    db: Database, settings: Settings
) -> None:
    """Session-level auth: the query runs as the given Neo4j user (here the only one there is)."""
    auth = settings.neo4j_auth() or ("neo4j", "")
    table = await read_only(db, "RETURN 1 AS one", {}, 10, 5, auth=auth)
    assert table.rows == [[1]]


@pytest.mark.integration
@pytest.mark.anyio
@pytest.mark.parametrize("limit", [1.5, True, -1, "x"])
async def test_analytics_numbers_are_whole_and_not_negative(db: Database, limit: object) -> None:
    with pytest.raises(BadInputError, match="parameter limit must be a int"):
        await run_analytic(db, "top_entities", {"limit": limit})


@pytest.mark.integration
def test_the_provisioned_neo4j_reads_no_host_files(
    neo4j_target: Neo4jTarget, driver: Driver
) -> None:
    if neo4j_target.source != "local":
        pytest.skip("the settings of a server this project did not provision are its operator's")
    records, _, _ = driver.execute_query(
        "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
        names=["dbms.security.allow_csv_import_from_file_urls", "server.directories.import"],
    )
    found = {r["name"]: r["value"] for r in records}
    assert found["dbms.security.allow_csv_import_from_file_urls"] == "false"
    assert found["server.directories.import"].endswith("/import")

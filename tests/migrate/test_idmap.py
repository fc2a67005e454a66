"""The id map in both destinations: rows round-trip, a dry run finds no map where none was
written, and a second migration of the same pair into PostgreSQL is refused while one runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from unified_orders.locks import LockTimeout
from unified_orders.migrate import MapRow, Outcome, open_idmap, read_idmap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from pg_cluster import Cluster, why_not


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    reason = why_not()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL tests cannot run: {reason}")
        pytest.skip(reason)
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "duckdb":
        return tmp_path / "m.duckdb"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.database()


def test_rows_round_trip_and_a_dry_run_finds_no_map_before_the_first_run(
    target: str | Path,
) -> None:
    assert read_idmap(target, "a", "b") is None
    idmap = open_idmap(target, "a", "b")
    row = MapRow("a", "1", "b", "c1", Outcome.PENDING, "#1", marker="uo-src-x")
    idmap.put(row)
    done = MapRow(
        "a",
        "1",
        "b",
        "c1",
        Outcome.CREATED,
        "#1",
        "77",
        "uo-src-x",
        ("taxes: 1.00 USD",),
        (),
        ("total: 2 -> 1",),
    )
    idmap.put(done)
    idmap.put(MapRow("a", "2", "b", "c2", Outcome.REFUSED, problems=("lines[0]: no product",)))
    got = idmap.get("1")
    assert got is not None
    assert (got.outcome, got.target_id, got.not_carried, got.differences) == (
        "created",
        "77",
        ("taxes: 1.00 USD",),
        ("total: 2 -> 1",),
    )
    assert [r.source_id for r in idmap.rows()] == ["1", "2"]
    assert idmap.get("3") is None
    idmap.close()
    reader = read_idmap(target, "a", "b")
    assert reader is not None
    assert [r.outcome for r in reader.rows()] == ["created", "refused"]
    reader.close()


def test_a_second_migration_of_the_pair_into_postgres_is_busy(pg_cluster: Cluster) -> None:
    url = pg_cluster.database()
    first = open_idmap(url, "a", "b")
    try:
        with pytest.raises(LockTimeout):
            open_idmap(url, "a", "b")
        open_idmap(url, "a", "c").close()  # another target is another migration
    finally:
        first.close()
    open_idmap(url, "a", "b").close()

"""Two worker processes against one sandbox server and one PostgreSQL database: a worker killed
mid-run (SIGKILL) leaves its stores to the other, which finishes them to the rows of a
single-process run; a worker killed between the platform's answer and the ledger leaves its
refund to be found by key, so a CSV of N refunds submitted twice at once makes exactly N."""

from __future__ import annotations

import json
import signal
import sys
import time
from typing import Any

import pytest
from conftest import Engine, stop
from pg_cluster import query
from test_engine_refunds import GROUPS, refunds_with_key, results_of, write_csv
from test_engine_sync import TOY_STORES

from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

STORES = ["toy-a", "toy-b", "toy-c", "toy-d"]


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows in a PostgreSQL database, without the time each was written."""
    out = {}
    for name in ("orders", *ORDER_CHILDREN):
        columns = [c for c in TABLES[name].column_names if c != "synced_at"]
        out[name] = sorted(query(url, f"SELECT {', '.join(columns)} FROM {name}"), key=repr)
    return out


def test_two_workers_one_killed_mid_run_every_store_completes_as_in_one_process(
    engine: Engine, workers: Any, served: Any, pg_cluster: Any
) -> None:
    toys = TOY_STORES.format(orders=24, page=3, delay=0)
    toys += toys.replace("toy-a", "toy-c").replace("toy-b", "toy-d")
    engine.config.write_text(toys)
    served(latency_ms=5)
    clean, shared = pg_cluster.database(), pg_cluster.database()
    local = engine.run("sync", *STORES, "--db", clean)
    assert local.code == 0, local.stderr

    doomed = engine.worker(shared, concurrency=1)
    survivor = workers(engine.worker(shared, concurrency=1))
    sync = engine.start(
        "--json",
        *engine.on_engine("sync", *STORES),
        env={"UNIFIED_ORDERS_HEARTBEAT_SECONDS": "1.5"},
    )
    doomed.wait_for(": started (attempt 1)")
    time.sleep(0.3)  # mid-run
    stop(doomed, signal.SIGKILL)
    out, err = sync.communicate(timeout=120)
    assert sync.returncode == 0, err
    results = json.loads(out)["stores"]
    assert [r["store"] for r in results] == STORES
    assert all(r["ok"] for r in results)
    assert "(attempt 2)" in survivor.log.read_text()  # it took over the killed worker's store
    assert snapshot(shared) == snapshot(clean)
    assert query(shared, "SELECT count(*) FROM sync_state WHERE run_id IS NOT NULL") == [(0,)]


def test_a_worker_killed_between_the_platform_answer_and_the_ledger_refunds_nothing_twice(
    engine: Engine, workers: Any, served: Any
) -> None:
    served()
    db = engine.home / "unused.duckdb"
    # the first worker takes every refund and dies right after the first one is made; the kill
    # may land inside another refund's steps (a Shopware capture refund written, not processed:
    # the survivor finishes it under its key)
    doomed = engine.worker(db, env={"UO_TEST_DIE_AFTER_REFUND": "1"})
    sources = [write_csv(engine.home / run / "refunds.csv", GROUPS) for run in ("a", "b")]
    runs = [
        engine.start(
            "--json",
            *engine.on_engine("refunds", "create", "--from-csv", str(s), "--yes"),
            env={"UNIFIED_ORDERS_HEARTBEAT_SECONDS": "1.5"},
        )
        for s in sources
    ]
    doomed.process.wait(timeout=120)
    assert doomed.process.returncode == -signal.SIGKILL
    survivor = workers(engine.worker(db))
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    taken_over = survivor.log.read_text()
    assert "(attempt 2)" in taken_over
    # the refund the first worker made before dying was found on the platform by its key
    assert "found by its key" in taken_over

    made: dict[str, set[str]] = {}
    for source in sources:
        for row in results_of(source.with_name("refunds.results.csv")):
            assert row["outcome"] in ("refunded", "already-refunded"), row
            made.setdefault(row["key"], set()).add(row["refund_id"])
    assert len(made) == len(GROUPS)
    assert all(len(ids) == 1 for ids in made.values())
    rows = results_of(sources[0].with_name("refunds.results.csv"))
    for (store, _, _), row in zip(GROUPS, rows, strict=True):
        on_platform = refunds_with_key(engine, store, row["order"], row["key"])
        assert [r["id"] for r in on_platform] == list(made[row["key"]])

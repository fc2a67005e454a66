"""``sync --engine temporal``: a store's sync on a worker equals the in-process sync, and there is
one sync per store at a time (a worker killed mid-run: test_engine_scaleout.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import duckdb
from conftest import Engine

from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

TOY_STORES = """
[stores.toy-a]
platform = "synctoy"
sandbox = true
orders = {orders}
page_size = {page}
delay = {delay}

[stores.toy-b]
platform = "windowtoy"
sandbox = true
orders = {orders}
page_size = {page}
delay = {delay}
"""


def toy_config(engine: Engine, *, orders: int, page: int, delay: float) -> None:
    """Two toy stores (one filtering by updated time, one by placed date) and the sandboxes."""
    engine.config.write_text(
        "include_sandbox_stores = true\n" + TOY_STORES.format(orders=orders, page=page, delay=delay)
    )


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows, without the time each was written."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("orders", *ORDER_CHILDREN):
            columns = [c for c in TABLES[name].column_names if c != "synced_at"]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def results(done_stdout: str) -> dict[str, dict[str, Any]]:
    summary = json.loads(done_stdout)
    return {store["store"]: store for store in summary["stores"]}


def test_a_sync_through_one_worker_equals_an_in_process_sync(engine: Engine, workers: Any) -> None:
    toy_config(engine, orders=12, page=5, delay=0)
    clean = engine.home / "clean.duckdb"
    local = engine.run("--json", "sync", "--db", str(clean))
    assert local.code == 0, local.stderr

    workers(engine.worker(engine.home / "worker.duckdb"))
    remote = engine.run("--json", *engine.on_engine("sync"))
    assert remote.code == 0, remote.stderr
    stores = results(remote.stdout)
    assert set(stores) == {
        "toy-a",
        "toy-b",
        "sandbox-nextcommerce",
        "sandbox-shopify",
        "sandbox-shopware",
    }
    assert all(store["ok"] and store["mode"] == "full" for store in stores.values())
    assert stores["toy-a"]["orders"] == 12
    assert snapshot(engine.home / "worker.duckdb") == snapshot(clean)

    # the next run is incremental on the worker too, as it is in-process
    again = engine.run("--json", *engine.on_engine("sync", "toy-a"))
    assert again.code == 0, again.stderr
    assert results(again.stdout)["toy-a"]["mode"] == "updated_since"


def test_a_second_sync_of_a_running_store_waits_for_it_instead_of_starting_another(
    engine: Engine, workers: Any
) -> None:
    toy_config(engine, orders=20, page=2, delay=0.02)
    workers(engine.worker(engine.home / "worker.duckdb"))
    first = engine.start("--json", *engine.on_engine("sync", "toy-a"))
    time.sleep(1.0)  # the first command has started the store's workflow
    second = engine.run("--json", *engine.on_engine("sync", "toy-a"))
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.code == 0, second.stderr
    assert "sync:toy-a is already running" in second.stderr
    # one run, seen by both: the same result (a second run would have been incremental)
    assert results(second.stdout)["toy-a"] == results(out)["toy-a"]
    assert results(out)["toy-a"]["mode"] == "full"

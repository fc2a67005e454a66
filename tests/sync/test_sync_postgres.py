"""The PostgreSQL destination: the same results as DuckDB, many processes into one database (a
store lock keeps two off one store), reports beside running syncs, and the ``--db`` sources."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from pg_cluster import Cluster, one, query
from sync_toy import ToyShop
from typer.testing import CliRunner

import unified_orders as uo
from unified_orders.cli.cmd_sync import app, resolve_db
from unified_orders.http import emulator_transport
from unified_orders.sync import export, report, run_sync, sandbox_stores
from unified_orders.sync import runner as sync_runner
from unified_orders.sync.databases import open_destination, open_reader
from unified_orders.sync.destination import StoreBusy, target_text
from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

SCRIPT = Path(__file__).with_name("killable_sync.py")
ORDERS, PAGE = "30", "3"
NOW = datetime(2026, 12, 2, 6, 0, 0)


def toy_stores() -> dict[str, Any]:
    def factory(platform: str, emulator: ToyShop) -> Any:
        return lambda: uo.connect_async(platform, transport=emulator_transport(emulator))

    return {
        "a": factory("synctoy", ToyShop(12, 5)),
        "b": factory("windowtoy", ToyShop(8, 5)),
        "c": factory("feedtoy", ToyShop(7, 3)),
    }


def rows(db: Path | str, *, skip: tuple[str, ...] = ("synced_at",)) -> dict[str, list[Any]]:
    """Every data table's rows, sorted, without the columns that say when they were written."""
    out = {}
    for name in ("stores", "orders", *ORDER_CHILDREN, "sync_errors"):
        columns = [c for c in TABLES[name].column_names if c not in skip]
        out[name] = sorted(query(db, f"SELECT {', '.join(columns)} FROM {name}"), key=repr)
    return out


def sync_process(db: str, *stores: str, delay: str = "0.004") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), db, ORDERS, PAGE, delay, *stores],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_a_page(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    while "changed)" not in (line := process.stdout.readline()):
        assert line, f"the sync ended before writing a page: {process.communicate()}"


# -- the same results as DuckDB ----------------------------------------------------------------


def test_both_destinations_give_the_same_rows_reports_and_exports(
    toy: None, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_runner, "_now", lambda: NOW)  # the same synced_at in both
    file = tmp_path / "r.duckdb"
    stores = {**toy_stores(), **sandbox_stores()}
    for target in (file, pg_url):
        summary = run_sync(stores, target)
        assert summary.ok, [r.error for r in summary.failed]
    assert rows(pg_url, skip=()) == rows(file, skip=())
    for kind in ("refunds", "returns", "orders"):
        for group_by in ("platform", "store", "day", "week", "month"):
            assert report(pg_url, kind, group_by=group_by) == report(file, kind, group_by=group_by)
        window = {"since": datetime(2024, 3, 1, 14), "until": datetime(2024, 3, 1, 18)}
        assert report(pg_url, kind, **window) == report(file, kind, **window)  # type: ignore[arg-type]
    for fmt in ("csv", "jsonl"):
        ours, theirs = (
            export(pg_url, fmt, tmp_path / f"pg-{fmt}"),
            export(file, fmt, tmp_path / fmt),
        )
        for a, b in zip(ours, theirs, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name
    ours, theirs = (
        export(pg_url, "parquet", tmp_path / "pq"),
        export(file, "parquet", tmp_path / "dq"),
    )
    with duckdb.connect() as con:
        for a, b in zip(ours, theirs, strict=True):
            shape = "SELECT name, type, converted_type, logical_type FROM parquet_schema('{}')"
            assert (
                con.execute(shape.format(a)).fetchall() == con.execute(shape.format(b)).fetchall()
            )
            assert (
                con.execute(f"SELECT * FROM '{a}'").fetchall()
                == con.execute(f"SELECT * FROM '{b}'").fetchall()
            ), a.name


def test_a_postgres_database_is_created_with_keys_and_reopened_as_is(pg_url: str) -> None:
    open_destination(pg_url).close()
    open_destination(pg_url).close()  # the schema is current: nothing to do
    keys = dict(
        query(
            pg_url,
            "SELECT tc.table_name, string_agg(k.column_name, ',' ORDER BY k.ordinal_position) "
            "FROM information_schema.table_constraints tc JOIN "
            "information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
            "WHERE tc.constraint_type = 'PRIMARY KEY' GROUP BY tc.table_name",
        )
    )
    assert {name: keys.get(name) for name in TABLES} == {
        name: ",".join(table.key) for name, table in TABLES.items()
    }
    assert one(pg_url, "SELECT value FROM schema_meta WHERE key = 'schema_version'") == "4"


def test_workers_that_start_together_on_a_new_database_make_its_tables_once(pg_url: str) -> None:
    def open_and_close(_: int) -> None:
        open_destination(pg_url).close()

    with ThreadPoolExecutor(6) as pool:  # six sessions, as six worker processes would have
        list(pool.map(open_and_close, range(6)))
    assert one(pg_url, "SELECT count(*) FROM schema_meta") == 1
    assert one(pg_url, "SELECT count(*) FROM orders") == 0


def test_reading_a_database_never_synced_into_says_what_to_do(pg_url: str) -> None:
    with pytest.raises(uo.ConfigurationError, match="run `unified-orders sync --db URL` first"):
        report(pg_url, "refunds")


def test_a_server_that_cannot_be_reached_is_a_configuration_error_without_the_password() -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/nothing"
    with pytest.raises(uo.ConfigurationError, match=r"someone:\*\*\*@127\.0\.0\.1") as caught:
        open_destination(url)
    assert "s3cret" not in str(caught.value)
    assert target_text(url) == "postgresql://someone:***@127.0.0.1:1/nothing"


def test_without_psycopg_a_url_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    monkeypatch.delitem(sys.modules, "unified_orders.sync.postgres", raising=False)
    for call in (open_destination, open_reader):
        with pytest.raises(
            uo.ConfigurationError, match=r"pip install 'unified-orders\[postgres\]'"
        ):
            call("postgresql://127.0.0.1/x")


# -- many processes, one database --------------------------------------------------------------


def test_two_processes_on_different_stores_equal_one_process(pg_cluster: Cluster) -> None:
    shared, single = pg_cluster.database(), pg_cluster.database()
    open_destination(shared).close()  # the tables, for the reports that start at once
    first, second = sync_process(shared, "a1", "a2"), sync_process(shared, "b1", "b2")
    alone = sync_process(single, "a1", "a2", "b1", "b2", delay="0")  # the reference
    reports = 0
    while first.poll() is None or second.poll() is None:  # reports run beside both writers
        assert report(shared, "orders", group_by="store") is not None
        export(shared, "csv", Path(pg_cluster.root) / "beside", ["orders"])
        reports += 1
        time.sleep(0.05)
    for process in (first, second):
        _, err = process.communicate()
        assert process.returncode == 0, err
    assert reports > 0
    assert alone.wait(timeout=120) == 0
    assert rows(shared, skip=("synced_at", "first_synced_at", "last_synced_at")) == rows(
        single, skip=("synced_at", "first_synced_at", "last_synced_at")
    )
    assert one(shared, "SELECT count(*) FROM orders") == 4 * int(ORDERS)


def test_a_second_process_on_the_same_store_is_busy_and_the_rows_converge(
    pg_cluster: Cluster,
) -> None:
    shared, single = pg_cluster.database(), pg_cluster.database()
    first = sync_process(shared, "slow", delay="0.2")  # runs for ~15 s unless killed
    alone = sync_process(single, "slow", "other", delay="0")  # the reference
    wait_for_a_page(first)
    second = sync_process(shared, "slow", "other", delay="0")
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 11, out  # "other" synced; the only failure: "slow" was busy
    assert "StoreBusy" in out
    assert "sync other: ok" in out
    first.kill()  # SIGKILL: its session, and the store's lock with it, go away
    first.wait(timeout=30)
    resumed = sync_process(shared, "slow", delay="0")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert "resumed" in out
    assert alone.wait(timeout=120) == 0
    skip = ("synced_at", "first_synced_at", "last_synced_at")
    assert rows(shared, skip=skip) == rows(single, skip=skip)


def test_a_store_another_process_syncs_is_busy_exit_code_11(toy: None, pg_url: str) -> None:
    import psycopg

    from unified_orders.sync.postgres import store_lock_key

    open_destination(pg_url).close()
    emulators = {"x": ToyShop(6, 5), "y": ToyShop(6, 5)}

    def sync_stores(names: list[str] | None) -> dict[str, Any]:
        return {
            name: (
                lambda e=emulators[name]: uo.connect_async(
                    "synctoy", transport=emulator_transport(e)
                )
            )
            for name in names or emulators
        }

    session = SimpleNamespace(sync_stores=sync_stores, json_mode=True, table_mode=False)
    runner = CliRunner()
    with psycopg.connect(pg_url, autocommit=True) as other:  # another worker holds store x
        other.execute("SELECT pg_advisory_lock(%s)", [store_lock_key("x")])
        busy = runner.invoke(app, ["sync", "x", "--db", pg_url], obj=session)
        assert busy.exit_code == 11, busy.output
        assert '"busy": true' in busy.stdout
        assert "StoreBusy" in busy.stdout
        mixed = runner.invoke(app, ["sync", "--db", pg_url], obj=session)
        assert mixed.exit_code == 11, mixed.output  # y synced; x, the only failure, was busy
        assert one(pg_url, "SELECT count(*) FROM orders WHERE store = 'y'") == 6
        assert one(pg_url, "SELECT count(*) FROM sync_state WHERE store = 'x'") == 0
        database = open_destination(pg_url)
        try:
            with pytest.raises(StoreBusy, match="store 'x' is being synced"):
                database.claim_store("x")
        finally:
            database.close()
    done = runner.invoke(app, ["sync", "x", "--db", pg_url], obj=session)
    assert done.exit_code == 0, done.output
    assert one(pg_url, "SELECT count(*) FROM orders") == 12


# -- where --db comes from ---------------------------------------------------------------------


def test_the_database_comes_from_db_else_the_config_else_the_default(tmp_path: Path) -> None:
    with_config = SimpleNamespace(obj=SimpleNamespace(config=SimpleNamespace(database="x.duckdb")))
    url = "postgresql://u@h/db"
    assert resolve_db(with_config, url) == url  # type: ignore[arg-type]
    assert resolve_db(with_config, None) == Path("x.duckdb")  # type: ignore[arg-type]
    with_url = SimpleNamespace(obj=SimpleNamespace(config=SimpleNamespace(database=url)))
    assert resolve_db(with_url, None) == url  # type: ignore[arg-type]
    assert resolve_db(None, None) == Path("unified-orders.duckdb")
    config = tmp_path / "c.toml"
    config.write_text(f'database = "{url}"\n[stores.s]\nplatform = "shopify"\nsandbox = true\n')
    bad = tmp_path / "bad.toml"
    bad.write_text("database = 3\n")
    from unified_orders.config import load_config

    assert load_config(config).database == url
    with pytest.raises(uo.ConfigurationError, match="key 'database'"):
        load_config(bad)

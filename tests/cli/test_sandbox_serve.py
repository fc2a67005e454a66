"""``sandbox serve``: separate processes share one emulated store through the server.

The server runs as a real process on a free loopback port; the CLI commands run as their own
processes with ``UNIFIED_ORDERS_SANDBOX_SERVER`` pointing at it (or, for the in-process reads,
through the test's own CLI runner with the same variable set), so every request crosses real
HTTP. All of them share one stores config and the test's data and lock dirs.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import Run, lines_of
from procs import refundable, require
from served import SERVER_ENV, Server, cli, spawn, start_server, wait

from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals and select on pipes")

STORES = ["sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """One stores config for the server and its clients: the built-in sandbox stores."""
    path = tmp_path / "stores.toml"
    path.write_text("include_sandbox_stores = true\n", encoding="utf-8")
    return path


@pytest.fixture
def server(config: Path) -> Iterator[Server]:
    running = start_server(config)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def via_server(server: Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """The in-process CLI runner's sandbox stores go to the server too."""
    monkeypatch.setenv(SERVER_ENV, server.url)
    return server.url


def refunds_of(run: Run, config: Path, store: str, order: str) -> list[dict[str, object]]:
    result = run("orders", "get", store, order, config=config)
    assert result.exit_code == 0, result.stderr
    refunds: list[dict[str, object]] = lines_of(result)[0]["refunds"]
    return refunds


#: One machine: the processes share the per-order locks. Two machines (a lock dir each): only
#: the platform's own guard keeps one key to one refund: Shopify's idempotency keys, Shopware's
#: ids derived from the key. Next Commerce has none (the key rides in the note), so two
#: machines racing there can make two refunds, as against the real platform; a Temporal
#: workflow per key is what prevents it there.
RACES = [(store, "one lock dir") for store in STORES] + [
    ("sandbox-shopify", "a lock dir each"),
    ("sandbox-shopware", "a lock dir each"),
]


@pytest.mark.parametrize(("store", "locks"), RACES)
def test_two_processes_refunding_with_one_key_make_exactly_one_refund(
    run: Run, config: Path, server: Server, via_server: str, store: str, locks: str, tmp_path: Path
) -> None:
    require(store)
    ((order, line),) = refundable(run, config, store, 1)
    command = ["--config", str(config), "refunds", "create", store, order]
    command += ["--line", f"{line}:1", "--yes", "--idempotency-key", f"serve-{store}"]
    apart = locks == "a lock dir each"
    racing = [
        spawn(server.url, *command, lock_dir=tmp_path / f"machine-{n}" if apart else None)
        for n in range(2)
    ]
    done = [wait(process) for process in racing]
    for result in done:
        assert result.code == 0, str(result)
    ids = {result.records()[-1]["id"] for result in done}
    assert len(ids) == 1, f"{store}: one key gave refunds {sorted(ids)}"
    carrying = [
        r for r in refunds_of(run, config, store, order) if r["idempotency_key"] == f"serve-{store}"
    ]
    assert [r["id"] for r in carrying] == list(ids)


def test_a_refund_made_by_one_process_is_seen_by_another_and_kept_after_the_server_stops(
    run: Run, config: Path, server: Server, via_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = "sandbox-shopify"
    ((order, line),) = refundable(run, config, store, 1)
    made = cli(
        server.url,
        *("--config", str(config), "refunds", "create", store, order),
        *("--line", f"{line}:1", "--yes"),
    )
    assert made.code == 0, str(made)
    refund = made.records()[-1]["id"]
    listed = cli(server.url, "--config", str(config), "refunds", "list", store, order)
    assert listed.code == 0, str(listed)
    assert refund in [r["id"] for r in listed.records()]

    code, stderr = server.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "stopped by SIGTERM; the state is saved" in stderr
    monkeypatch.delenv(SERVER_ENV)  # in-process again: the state file carries on
    assert refund in [r["id"] for r in refunds_of(run, config, store, order)]


def test_while_serving_an_in_process_command_on_a_served_store_stops_at_once(
    config: Path, server: Server
) -> None:
    result = cli(None, "--config", str(config), "orders", "list", "sandbox-shopify")
    assert result.code == 11, str(result)
    assert f"served by `unified-orders sandbox serve` at {server.url}" in result.stderr
    assert f"UNIFIED_ORDERS_SANDBOX_SERVER={server.url}" in result.stderr


def test_reset_while_serving_gives_the_server_fresh_demo_data(
    run: Run, config: Path, server: Server, via_server: str
) -> None:
    store = "sandbox-shopware"
    require(store)
    ((order, line),) = refundable(run, config, store, 1)
    made = run("refunds", "create", store, order, "--line", f"{line}:1", "--yes", config=config)
    assert made.exit_code == 0, made.stderr
    assert refunds_of(run, config, store, order)

    reset = cli(None, "--config", str(config), "sandbox", "reset", store)
    assert reset.code == 0, str(reset)
    assert reset.records() == [{"store": store, "reset": True}]
    assert refunds_of(run, config, store, order) == []


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("orders", *ORDER_CHILDREN):
            columns = [c for c in TABLES[name].column_names if c != "synced_at"]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def test_a_sync_through_the_server_equals_a_sync_of_the_in_process_sandboxes(
    tmp_path: Path, config: Path, server: Server
) -> None:
    served_db, local_db = tmp_path / "served.duckdb", tmp_path / "local.duckdb"
    synced = cli(server.url, "--config", str(config), "sync", "--db", str(served_db))
    assert synced.code == 0, str(synced)
    code, stderr = server.stop()
    assert code == 0, stderr
    synced = cli(None, "--config", str(config), "sync", "--db", str(local_db))
    assert synced.code == 0, str(synced)
    served, local = _snapshot(served_db), _snapshot(local_db)
    assert served["orders"], "the sync read no orders"
    assert served == local


def test_ctrl_c_stops_the_server_with_130_and_saves_its_state(
    run: Run, config: Path, server: Server, via_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = "sandbox-nextcommerce"
    require(store)
    ((order, line),) = refundable(run, config, store, 1)
    made = run("refunds", "create", store, order, "--line", f"{line}:1", "--yes", config=config)
    assert made.exit_code == 0, made.stderr
    refund = lines_of(made)[-1]["id"]
    code, stderr = server.stop(signal.SIGINT)
    assert code == 130, stderr
    assert "interrupted" in stderr
    monkeypatch.delenv(SERVER_ENV)
    assert refund in [r["id"] for r in refunds_of(run, config, store, order)]


def test_a_store_the_server_does_not_serve_is_a_configuration_error(config: Path) -> None:
    only = start_server(config, "sandbox-shopify")
    try:
        assert only.stores == ["sandbox-shopify"]
        result = cli(only.url, "--config", str(config), "orders", "list", "sandbox-shopware")
        assert result.code == 3, str(result)
        assert "serves no store named 'sandbox-shopware'; it serves: sandbox-shopify" in (
            result.stderr
        )
    finally:
        only.stop()


def test_no_server_at_the_address_is_a_configuration_error_that_says_how_to_start_one(
    config: Path, unused_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_port}"
    result = cli(url, "--config", str(config), "orders", "list", "sandbox-shopify")
    assert result.code == 3, str(result)
    assert f"no sandbox server answers at {url}" in result.stderr
    assert f"unified-orders sandbox serve --port {unused_port}" in result.stderr


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_killed_server_keeps_what_it_saved_and_leaves_no_store_blocked(
    run: Run, config: Path, server: Server, via_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = "sandbox-shopify"
    ((order, line),) = refundable(run, config, store, 1)
    made = run("refunds", "create", store, order, "--line", f"{line}:1", "--yes", config=config)
    assert made.exit_code == 0, made.stderr
    refund = lines_of(made)[-1]["id"]
    state = Path(os.environ["UNIFIED_ORDERS_DATA_DIR"]) / "sandboxes" / f"{store}.json"
    deadline = time.monotonic() + 30  # saved within a second of the write; allow a slow machine
    while refund not in (state.read_text() if state.exists() else ""):
        assert time.monotonic() < deadline, "the server never saved the refund"
        time.sleep(0.1)
    code, _ = server.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL
    monkeypatch.delenv(SERVER_ENV)  # its marker is left behind, naming a dead process
    assert refund in [r["id"] for r in refunds_of(run, config, store, order)]


def shippable(run: Run, config: Path, store: str) -> tuple[str, str, str]:
    """``(order, fulfillment order, its line)`` with two units or more left to ship."""
    listed = run("orders", "list", store, config=config)
    assert listed.exit_code == 0, listed.stderr
    for order in lines_of(listed):
        fos = run("fulfillments", "list", store, order["id"], config=config)
        if fos.exit_code != 0:
            continue
        for fo in lines_of(fos):
            if fo["status"] not in ("open", "in_progress"):
                continue
            for line in fo["lines"]:
                if line["fulfillable_quantity"] >= 2:
                    return order["id"], fo["id"], line["id"]
    pytest.skip(f"{store}: no fulfillment order with two units left to ship")


def shipped_units(run: Run, config: Path, store: str, order: str) -> int:
    result = run("orders", "get", store, order, config=config)
    assert result.exit_code == 0, result.stderr
    return sum(line["fulfilled_quantity"] for line in lines_of(result)[0]["lines"])


@pytest.mark.parametrize("store", STORES)
def test_two_processes_shipping_with_one_key_make_exactly_one_shipment(
    run: Run, config: Path, server: Server, via_server: str, store: str
) -> None:
    require(store)
    order, fo, line = shippable(run, config, store)
    before = shipped_units(run, config, store, order)
    command = ["--config", str(config), "fulfillments", "ship", store, fo, "--line", f"{line}:1"]
    command += ["--tracking-number", "1Z-RACE", "--yes", "--idempotency-key", f"ship-{store}"]
    racing = [spawn(server.url, *command) for _ in range(2)]
    done = [wait(process) for process in racing]
    for result in done:
        assert result.code == 0, str(result)
    assert len({result.records()[-1]["id"] for result in done}) == 1
    assert shipped_units(run, config, store, order) == before + 1

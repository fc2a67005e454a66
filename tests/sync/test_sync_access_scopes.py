"""What a Shopify app's access scopes hide, without a word in the answers (the 2026-04 schema):
fulfillment orders beyond its fulfillment-order scopes (``FulfillmentOrder``), and orders older
than 60 days without ``read_all_orders`` (``Order``). The sync asks the app's scopes once a run,
says what it cannot see, and never marks a hidden order deleted; on both dialects."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

import unified_orders as uo
from unified_orders.cli.cmd_sync import app
from unified_orders.sandbox import SandboxRequest
from unified_orders.sync import run_sync
from unified_orders.sync.results import StoreResult
from unified_orders.testing.sandbox import unwrapped

THIRD_PARTY = "fulfillment orders at other fulfillment services' locations"
MERCHANT = "fulfillment orders at the merchant's own locations"


def shopify(api: str) -> uo.AsyncStore:
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    return uo.connect_async("shopify", sandbox=True, api=api)  # type: ignore[arg-type]


def kinds(result: StoreResult) -> list[str]:
    return [entry.split(" (")[0] for entry in result.not_read]


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_fulfillment_orders_the_apps_scopes_hide_are_said_on_the_result(
    api: str, tmp_path: Path
) -> None:
    store = shopify(api)
    emulator = store.sandbox
    assert emulator is not None
    db = tmp_path / "s.duckdb"
    whole = run_sync({"s": store}, db).results[0]
    assert whole.ok, whole.error
    assert whole.not_read == []
    emulator.state.data["denied_scopes"] = [  # type: ignore[attr-defined]
        "read_third_party_fulfillment_orders",
        "write_third_party_fulfillment_orders",
    ]
    part = run_sync({"s": store}, db).results[0]
    assert part.ok, part.error
    assert kinds(part) == [THIRD_PARTY]
    assert "grant it the read_third_party_fulfillment_orders access scope" in part.describe()
    # the write scope grants the read one (INFERRED); the assigned family is not a gap
    emulator.state.data["denied_scopes"] = [  # type: ignore[attr-defined]
        "read_merchant_managed_fulfillment_orders",
        "read_assigned_fulfillment_orders",
        "write_assigned_fulfillment_orders",
    ]
    assert run_sync({"s": store}, db).results[0].not_read == []
    emulator.state.data["denied_scopes"] = [  # type: ignore[attr-defined]
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
    ]
    assert kinds(run_sync({"s": store}, db, full=True).results[0]) == [MERCHANT]
    asyncio.run(store.aclose())


def test_a_sync_without_details_does_not_report_fulfillment_orders(tmp_path: Path) -> None:
    """``--no-details`` reads no fulfillment orders, so none are said to be hidden; hidden
    orders still are (they decide what may be marked deleted)."""
    store = shopify("graphql")
    store.sandbox.state.data["denied_scopes"] = [  # type: ignore[union-attr]
        "read_third_party_fulfillment_orders",
        "read_all_orders",
    ]
    result = run_sync({"s": store}, tmp_path / "s.duckdb", details=False).results[0]
    assert result.ok, result.error
    assert kinds(result) == [OLD_ORDERS]
    asyncio.run(store.aclose())


OLD_ORDERS = "orders placed more than 60 days ago"


def _deleted(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT id FROM orders WHERE deleted_at IS NOT NULL").fetchall()
    return {str(row[0]) for row in rows}


def _age(store: uo.AsyncStore, count: int) -> list[str]:
    """Date ``count`` of the sandbox's orders 90 days before its now; their ids."""
    state = store.sandbox.state  # type: ignore[union-attr]
    now = state.clock.at(int(state.data["tick"]))
    aged = list(state.data["orders"].values())[:count]
    for order in aged:
        order["created_at"] = (now - timedelta(days=90)).isoformat(timespec="seconds")
    return [str(order["id"]) for order in aged]


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_orders_hidden_for_want_of_read_all_orders_are_never_marked_deleted(
    api: str, tmp_path: Path
) -> None:
    """Shopify shows an app without ``read_all_orders`` only the last 60 days of orders (the
    2026-04 schema, ``Order``); an older order is neither listed nor read. A full run (which
    marks deleted every stored order it did not see) and an incremental one (REST: the id
    listing) marked the stored older orders deleted; now the run says what it cannot see and
    marks nothing deleted for not being found. Shopify's own word still marks one (GraphQL's
    deletion events)."""
    store = shopify(api)
    db = tmp_path / "s.duckdb"
    first = run_sync({"s": store}, db).results[0]
    assert first.ok, first.error
    aged = _age(store, 2)
    store.sandbox.state.data["denied_scopes"] = ["read_all_orders"]  # type: ignore[union-attr]
    listed = [o.id for o in unwrapped(store).orders.list()]
    assert not set(aged) & set(listed)  # the sandbox hides them, as Shopify does
    full = run_sync({"s": store}, db, full=True).results[0]
    assert full.ok, full.error
    assert kinds(full) == [OLD_ORDERS]
    assert "grant it read_all_orders" in full.describe()
    assert full.deleted == 0
    assert _deleted(db) == set()
    incremental = run_sync({"s": store}, db).results[0]
    assert incremental.ok, incremental.error
    assert incremental.deleted == 0
    assert _deleted(db) == set()
    if api == "graphql":  # a deletion Shopify reports is still marked
        store.sandbox.delete_order(listed[0])  # type: ignore[union-attr]
        told = run_sync({"s": store}, db).results[0]
        assert told.ok, told.error
        assert _deleted(db) == {listed[0]}
    asyncio.run(store.aclose())


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_scopes_that_cannot_be_read_mark_nothing_deleted_for_not_being_found(
    api: str, tmp_path: Path
) -> None:
    """Where Shopify refuses the scopes query, the run cannot tell whether orders are hidden:
    it takes the safe side (a full run marks no unlisted order deleted) and says why."""
    store = shopify(api)
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).results[0].ok
    gone = next(o.id for o in unwrapped(store).orders.list())
    store.sandbox.delete_order(gone)  # type: ignore[union-attr]

    def refuse(request: SandboxRequest) -> tuple[int, Any, dict[str, str]] | None:
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("operationName") != "AppAccessScopes":
            return None
        denied = {"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}
        return 200, {"errors": [denied]}, {}

    store.sandbox.faults.insert(0, refuse)  # type: ignore[union-attr]
    full = run_sync({"s": store}, db, full=True).results[0]
    assert full.ok, full.error
    assert kinds(full) == ["orders and fulfillment orders this app's access scopes may hide"]
    assert "could not be read" in full.describe()
    assert full.deleted == 0
    assert _deleted(db) == set()
    store.sandbox.faults.remove(refuse)  # type: ignore[union-attr]
    again = run_sync({"s": store}, db, full=True).results[0]
    assert again.ok, again.error
    assert again.not_read == []
    assert _deleted(db) == {gone}
    asyncio.run(store.aclose())


def test_reports_warn_while_the_last_sync_could_not_see_everything(tmp_path: Path) -> None:
    """What a run was not shown is kept with the store's state (``sync_state.not_read``), so a
    report run later, by another process, warns that it may be short; a run shown everything
    clears it."""
    store = shopify("graphql")
    db = tmp_path / "s.duckdb"
    store.sandbox.state.data["denied_scopes"] = ["read_all_orders"]  # type: ignore[union-attr]
    assert run_sync({"s": store}, db).results[0].ok

    def kept() -> object:
        with duckdb.connect(str(db), read_only=True) as con:
            found = con.execute("SELECT not_read FROM sync_state").fetchone()
        return found[0] if found else None

    assert str(kept()).startswith(OLD_ORDERS)
    reported = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), "--json"])
    assert reported.exit_code == 0, reported.output
    assert f"the last sync of store 's' did not read: {OLD_ORDERS}" in reported.stderr
    store.sandbox.state.data["denied_scopes"] = []  # type: ignore[union-attr]
    assert run_sync({"s": store}, db).results[0].ok
    assert kept() is None
    again = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), "--json"])
    assert "did not read" not in again.stderr
    asyncio.run(store.aclose())

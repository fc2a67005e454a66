"""``fulfillments ship|track|cancel`` against every built-in sandbox store.

Each test finds its own fulfillment order with units left, and skips, saying why, when the
store's adapter is missing or does not claim the capability the test needs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo

PLATFORMS = ["nextcommerce", "shopify", "shopware"]


@pytest.fixture(params=PLATFORMS)
def store(request: pytest.FixtureRequest) -> str:
    """``sandbox-<platform>``, skipping when the adapter is not registered or failed to load."""
    return sandbox_store(request.param)


def sandbox_store(platform: str) -> str:
    """``sandbox-<platform>``, skipping when the adapter is not registered or failed to load."""
    info = uo.adapters().get(platform)
    if info is None:
        pytest.skip(f"the {platform} adapter is not registered (is it installed?)")
    if info.error is not None:
        pytest.skip(f"the {platform} adapter failed to load: {info.error}")
    return f"sandbox-{platform}"


def need(run: Run, store: str, *wanted: str) -> None:
    rows = lines_of(run("coverage", store))
    have = {row["capability"] for row in rows if row["platforms"][store]["supported"]}
    missing = [c for c in wanted if c not in have]
    if missing:
        pytest.skip(f"{store} does not support {', '.join(missing)}")


@dataclass
class Shippable:
    """A fulfillment order line with units left to ship."""

    order: str
    number: str
    fo: str
    fo_line: str
    line: str
    left: int


def shippable(run: Run, store: str, skip: set[str] | None = None) -> Shippable:
    """The first fulfillment order line with units left (not on an order in ``skip``)."""
    listed = run("orders", "list", store)
    assert listed.exit_code == 0, listed.stderr
    for order in lines_of(listed):
        if order["id"] in (skip or set()):
            continue
        for fo in lines_of(run("fulfillments", "list", store, order["id"])):
            if fo["status"] not in ("open", "in_progress") or fo["holds"]:
                continue
            for x in fo["lines"]:
                if x["fulfillable_quantity"] > 0:
                    return Shippable(
                        order["id"],
                        order["number"] or order["id"],
                        fo["id"],
                        x["id"],
                        x["line_id"],
                        x["fulfillable_quantity"],
                    )
    pytest.skip(f"{store} has no fulfillment order with units left to ship")


def shipments(run: Run, store: str, order: str) -> list[dict[str, Any]]:
    got = run("orders", "get", store, order)
    assert got.exit_code == 0, got.stderr
    found: list[dict[str, Any]] = lines_of(got)[0]["fulfillments"]
    return found


def shipped_units(run: Run, store: str, order: str, line: str) -> int:
    got = lines_of(run("orders", "get", store, order))[0]
    return int(next(x["fulfilled_quantity"] for x in got["lines"] if x["id"] == line))


def test_tracking_flags_that_do_not_pair_up_are_usage_errors(run: Run) -> None:
    urls = run(
        "fulfillments", "ship", "sandbox-shopify", "1", "--tracking-number", "A",
        "--tracking-url", "https://a", "--tracking-url", "https://b", "--yes",
    )  # fmt: skip
    assert urls.exit_code == 2
    assert "2 --tracking-url for 1 --tracking-number" in urls.stderr
    twice = run(
        "fulfillments", "ship", "sandbox-shopify", "1",
        "--tracking-number", "A", "--tracking-number", "A", "--yes",
    )  # fmt: skip
    assert twice.exit_code == 2
    bare = run("fulfillments", "track", "sandbox-shopify", "1", "--tracking-company", "UPS")
    assert bare.exit_code == 2
    assert "--tracking-number" in bare.stderr
    mixed = run("fulfillments", "ship", "sandbox-shopify", "--from-csv", __file__, "--yes")
    assert mixed.exit_code == 2
    assert "with --from-csv" in mixed.stderr


def test_cancel_and_cancel_request_say_how_they_differ(run: Run) -> None:
    cancel = run("fulfillments", "cancel", "--help")
    request = run("fulfillments", "cancel-request", "--help")
    assert "outright" in cancel.stdout
    assert "cancel-request" in cancel.stdout
    assert "`cancel`" in request.stdout


def test_ship_asks_then_ships_exactly_the_units_given(run: Run, store: str) -> None:
    need(run, store, "fulfillments.list", "fulfillments.create", "orders.get")
    target = shippable(run, store)
    before = shipped_units(run, store, target.order, target.line)
    args = ["fulfillments", "ship", store, target.fo, "--line", f"{target.fo_line}:1"]
    args += ["--tracking-number", "TRK-1"]
    refused = run(*args)
    assert refused.exit_code == 8, refused.stderr  # no terminal, no --yes: nothing sent
    assert "nothing was sent" in refused.stderr
    assert shipped_units(run, store, target.order, target.line) == before

    created = run(*args, "--yes")
    if created.exit_code == 5:  # part of a fulfillment order refused, never widened
        assert "unsupported" in created.stderr.lower()
        assert shipped_units(run, store, target.order, target.line) == before
        return
    assert created.exit_code == 0, created.stderr
    shipment = lines_of(created)[-1]
    assert [(x["line_id"], x["quantity"]) for x in shipment["lines"]] == [(target.line, 1)]
    assert [t["number"] for t in shipment["tracking"]] == ["TRK-1"]
    assert shipped_units(run, store, target.order, target.line) == before + 1
    assert shipment["id"] in [f["id"] for f in shipments(run, store, target.order)]


def keeps_keys(run: Run, store: str, order: str, shipment: str) -> bool:
    """Whether an order read carries a shipment's key (Shopify keeps it in an order metafield
    that only the shipping path reads, so its order reads show none)."""
    return any(f["idempotency_key"] for f in shipments(run, store, order) if f["id"] == shipment)


def test_ship_with_a_key_twice_ships_once(run: Run, store: str) -> None:
    need(run, store, "fulfillments.list", "fulfillments.create", "orders.get")
    target = shippable(run, store)
    args = ["fulfillments", "ship", store, target.fo, "--tracking-number", "KEY-1"]
    args += ["--idempotency-key", "h3-ship-twice", "--yes"]
    first = run(*args)
    assert first.exit_code == 0, first.stderr
    made = lines_of(first)[-1]["id"]
    count = len(shipments(run, store, target.order))
    second = run(*args)
    assert len(shipments(run, store, target.order)) == count  # never shipped twice
    # the shipment the key names, again (Shopify keeps the key in an order metafield)
    assert second.exit_code == 0, second.stderr
    assert lines_of(second)[-1]["id"] == made


def test_track_replaces_the_tracking(run: Run, store: str) -> None:
    need(run, store, "fulfillments.list", "fulfillments.create", "fulfillments.update_tracking")
    target = shippable(run, store)
    created = run("fulfillments", "ship", store, target.fo, "--tracking-number", "OLD-1", "--yes")
    assert created.exit_code == 0, created.stderr
    shipment = lines_of(created)[-1]["id"]
    tracked = run("fulfillments", "track", store, shipment, "--tracking-number", "NEW-1")
    assert tracked.exit_code == 0, tracked.stderr
    assert [t["number"] for t in lines_of(tracked)[-1]["tracking"]] == ["NEW-1"]


def test_cancel_needs_confirmation(run: Run, store: str) -> None:
    need(run, store, "fulfillments.list", "fulfillments.cancel")
    target = shippable(run, store)
    refused = run("fulfillments", "cancel", store, target.fo)
    assert refused.exit_code == 8
    after = lines_of(run("fulfillments", "list", store, target.order))
    assert next(fo["status"] for fo in after if fo["id"] == target.fo) != "canceled"
    done = run("fulfillments", "cancel", store, target.fo, "--yes")
    if done.exit_code == 6:  # the platform refuses this fulfillment order's state, saying why
        assert "cancel" in done.stderr
        return
    assert done.exit_code == 0, done.stderr
    assert lines_of(done)[-1]["status"] in ("canceled", "closed")


def test_shipment_tables_fit_80_columns_and_never_cut_ids() -> None:
    from rich.console import Console

    from unified_orders.cli.ship import ship_preview, shipment_tables

    shipment = uo.Fulfillment(
        id="gid://shopify/Fulfillment/820982911946154563",
        order_id="820982911946154531",
        fulfillment_order_id="820982911946154537",
        lines=[uo.FulfillmentLine(line_id="820982911946154534", quantity=2, fo_line_id="8209829")],
        tracking=[
            uo.Tracking(company="DHL Express", number=f"JD01460000{n}", url="https://dhl.example/"
                        + "x" * 90)
            for n in range(3)
        ],
    )  # fmt: skip
    console = Console(width=80, record=True, file=io.StringIO())
    for part in [*shipment_tables(shipment), ship_preview("acme", "FO1", None, [], True)]:
        console.print(part)
    screen = console.export_text()
    assert max(len(line) for line in screen.splitlines()) <= 80
    for text in (shipment.id, "820982911946154534", "JD014600002", "every unit left"):
        assert text in screen

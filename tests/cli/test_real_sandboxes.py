"""The CLI against the real adapters' built-in sandbox stores (no config file at all).

Each test runs on ``sandbox-<platform>`` for every built-in platform and skips, saying why, when
that adapter is not registered. The tests find their own data (an order with a refundable line,
an open fulfillment order, ...) so they follow the adapters' demo data as it changes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo

PLATFORMS = ["nextcommerce", "shopify", "shopware"]


@pytest.fixture(params=PLATFORMS)
def store(request: pytest.FixtureRequest) -> str:
    """``sandbox-<platform>``, skipping when the adapter is not registered or failed to load."""
    platform: str = request.param
    info = uo.adapters().get(platform)
    if info is None:
        pytest.skip(f"the {platform} adapter is not registered (is it installed?)")
    if info.error is not None:
        pytest.skip(f"the {platform} adapter failed to load: {info.error}")
    return f"sandbox-{platform}"


def capabilities(run: Run, store: str) -> set[str]:
    rows = lines_of(run("coverage", store))
    return {row["capability"] for row in rows if row["platforms"][store]["supported"]}


def need(run: Run, store: str, *wanted: str) -> None:
    missing = [c for c in wanted if c not in capabilities(run, store)]
    if missing:
        pytest.skip(f"{store} does not support {', '.join(missing)}")


def orders(run: Run, store: str) -> list[dict[str, Any]]:
    result = run("orders", "list", store)
    assert result.exit_code == 0, result.stderr
    return lines_of(result)


def refundable_lines(run: Run, store: str) -> Iterator[tuple[str, str]]:
    """(order id, line id) pairs that calculate cleanly for one unit."""
    for order in orders(run, store):
        for line in order["lines"]:
            if line["current_quantity"] - line["refunded_quantity"] < 1:
                continue
            calc = run("refunds", "calculate", store, order["id"], "--line", f"{line['id']}:1")
            if calc.exit_code == 0:
                yield order["id"], line["id"]


def refunded(run: Run, store: str, order: str, line: str) -> int:
    got = lines_of(run("orders", "get", store, order))[0]
    return next(x["refunded_quantity"] for x in got["lines"] if x["id"] == line)


def test_refund_calculate_create_then_get_tell_one_story(run: Run, store: str) -> None:
    need(run, store, "refunds.calculate", "refunds.create", "orders.get")
    order, line = next(refundable_lines(run, store), (None, None))
    if order is None or line is None:
        pytest.skip(f"{store} has no order with a refundable line")
    before = refunded(run, store, order, line)
    preview = lines_of(run("refunds", "calculate", store, order, "--line", f"{line}:1"))[0]
    refused = run("refunds", "create", store, order, "--line", f"{line}:1")
    assert refused.exit_code == 8  # no terminal, no --yes: nothing sent
    assert refunded(run, store, order, line) == before

    created = run("refunds", "create", store, order, "--line", f"{line}:1", "--yes")
    assert created.exit_code == 0, created.stderr
    refund = lines_of(created)[-1]
    assert refund["total"]["amount"] == preview["total"]["amount"]
    assert refunded(run, store, order, line) == before + 1
    if "refunds.list" in capabilities(run, store):
        listed = lines_of(run("refunds", "list", store, order))
        assert refund["id"] in [r["id"] for r in listed]


def test_bulk_refund_twice_refunds_once(run: Run, store: str, tmp_path: Path) -> None:
    need(run, store, "refunds.calculate", "refunds.create", "orders.get")
    order, line = next(refundable_lines(run, store), (None, None))
    if order is None or line is None:
        pytest.skip(f"{store} has no order with a refundable line")
    before = refunded(run, store, order, line)
    source = tmp_path / "bulk.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["store", "order", "line", "quantity", "restock", "location", "shipping", "note"]
        )
        writer.writerow([store, order, line, "1", "", "", "", "bulk test"])
        writer.writerow([store, "no-such-order", "1", "1", "", "", "", ""])
    for _ in range(2):  # the second run must not refund again
        result = run("refunds", "create", "--from-csv", str(source), "--yes")
        assert result.exit_code == 9, result.stderr  # the bad row is reported, not fatal
        assert refunded(run, store, order, line) == before + 1
    outcomes = [r["outcome"] for r in lines_of(result)]
    assert outcomes == ["already-refunded", "invalid"]
    with source.with_name("bulk.results.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # the results CSV is an append-only audit: both runs' lines, in order
    outcomes = [row["outcome"] for row in rows]
    assert outcomes == ["refunded", "invalid", "already-refunded", "invalid"]


def test_fulfillment_hold_release_and_move(run: Run, store: str) -> None:
    need(run, store, "fulfillments.list", "fulfillments.hold", "fulfillments.release_hold")
    for order in orders(run, store):
        for fo in lines_of(run("fulfillments", "list", store, order["id"])):
            if fo["status"] != "open":
                continue
            held = run("fulfillments", "hold", store, fo["id"], "--reason", "incorrect_address")
            if held.exit_code != 0:
                continue
            assert lines_of(held)[0]["status"] == "on_hold"
            released = run("fulfillments", "release", store, fo["id"])
            assert released.exit_code == 0, released.stderr
            assert lines_of(released)[0]["holds"] == []
            if "fulfillments.move" in capabilities(run, store):
                locations = lines_of(run("fulfillments", "locations", store, fo["id"]))
                if locations:
                    moved = run("fulfillments", "move", store, fo["id"], locations[0]["id"])
                    assert moved.exit_code == 0, moved.stderr
                    after = lines_of(moved)[0]
                    targets = [after["location_id"]]
                    targets += [
                        x["location_id"]
                        for r in after["replaced_by"]
                        for x in lines_of(run("fulfillments", "list", store, order["id"]))
                        if x["id"] == r
                    ]
                    assert locations[0]["id"] in targets
            return
    pytest.skip(f"{store} has no open fulfillment order that accepts a hold")


def test_returns_open_and_read_back(run: Run, store: str) -> None:
    need(run, store, "returns.create", "returns.get", "returns.list")
    for order in orders(run, store):
        for line in order["lines"]:
            if line["fulfilled_quantity"] < 1:
                continue
            created = run("returns", "create", store, order["id"], "--line", f"{line['id']}:1")
            if created.exit_code != 0:
                continue
            ret = lines_of(created)[0]
            got = lines_of(run("returns", "get", store, ret["id"]))[0]
            assert got["id"] == ret["id"]
            listed = lines_of(run("returns", "list", store, order["id"]))
            assert ret["id"] in [r["id"] for r in listed]
            return
    pytest.skip(f"{store} has no order with a fulfilled line that accepts a return")


def test_cancel_needs_confirmation_then_cancels(run: Run, store: str) -> None:
    need(run, store, "orders.cancel")
    for order in orders(run, store):
        if order["status"] != "open":
            continue
        refused = run("orders", "cancel", store, order["id"])
        assert refused.exit_code == 8
        assert lines_of(refused)[0]["order_id"] == order["id"]
        canceled = run("orders", "cancel", store, order["id"], "--yes")
        if canceled.exit_code == 6:
            continue  # the platform refuses this one (e.g. shipped); try another
        assert canceled.exit_code == 0, canceled.stderr
        assert lines_of(canceled)[-1]["status"] == "canceled"
        got = lines_of(run("orders", "get", store, order["id"]))[0]
        assert got["status"] == "canceled"
        return
    pytest.skip(f"{store} has no open order it lets us cancel")


def test_set_address_changes_only_given_fields(run: Run, store: str) -> None:
    need(run, store, "orders.update_shipping_address")
    for order in orders(run, store):
        if order["shipping_address"] is None:
            continue
        result = run("orders", "set-address", store, order["id"], "--postal-code", "10115")
        if result.exit_code == 6:
            continue
        assert result.exit_code == 0, result.stderr
        got = lines_of(run("orders", "get", store, order["id"]))[0]["shipping_address"]
        assert got["postal_code"] == "10115"
        assert got["city"] == order["shipping_address"]["city"]
        return
    pytest.skip(f"{store} has no order whose shipping address can be changed")


def test_unsupported_operations_exit_5_with_hint(run: Run, store: str) -> None:
    caps = capabilities(run, store)
    missing = [c for c in ("returns.list", "fulfillments.hold") if c not in caps]
    if not missing:
        pytest.skip(f"{store} supports every operation this test probes")
    order = orders(run, store)[0]["id"]
    args = (
        ["returns", "list", store, order]
        if missing[0] == "returns.list"
        else ["fulfillments", "hold", store, "any-id"]
    )
    result = run(*args)
    assert result.exit_code == 5
    assert result.stderr.startswith("unsupported: ")

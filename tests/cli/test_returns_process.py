"""``returns add-items|calculate|process`` and ``refunds get`` against the built-in sandboxes:
the preview and the question before money moves, exactly once on a re-run, honest refusals."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Run, lines_of
from test_real_sandboxes import PLATFORMS, need, orders

import unified_orders as uo


@pytest.fixture(params=PLATFORMS)
def store(request: pytest.FixtureRequest) -> str:
    """``sandbox-<platform>``, skipping when the adapter is not registered or failed to load."""
    info = uo.adapters().get(request.param)
    if info is None or info.error is not None:
        pytest.skip(f"the {request.param} adapter is not available")
    return f"sandbox-{request.param}"


def open_return(run: Run, store: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(order, line, return): a new return of one shipped unit of a paid order."""
    for order in orders(run, store):
        for line in order["lines"]:
            if line["fulfilled_quantity"] < 1 or line["refunded_quantity"] >= line["quantity"]:
                continue
            made = run("returns", "create", store, order["id"], "--line", f"{line['id']}:1")
            if made.exit_code == 0:
                return order, line, lines_of(made)[0]
    pytest.skip(f"{store} has no order with a shipped unit to return")


def test_process_asks_then_refunds_once(run: Run, store: str) -> None:
    need(run, store, "returns.create", "returns.calculate", "returns.process")
    _, line, ret = open_return(run, store)
    calculated = run("returns", "calculate", store, ret["id"])
    assert calculated.exit_code == 0, calculated.stderr
    [preview] = lines_of(calculated)
    assert [(x["line_id"], x["quantity"]) for x in preview["lines"]] == [(line["id"], 1)]

    refused = run("returns", "process", store, ret["id"])  # no terminal, no --yes
    assert refused.exit_code == 8, refused.stderr
    assert lines_of(refused)[0]["total"] == preview["total"]  # the preview was shown
    assert lines_of(run("returns", "get", store, ret["id"]))[0]["status"] == ret["status"]

    done = run("returns", "process", store, ret["id"], "--yes")
    assert done.exit_code == 0, done.stderr
    [result] = lines_of(done)
    refund = result["refund"]
    assert result["return"]["status"] == "closed"
    assert refund["return_id"] == ret["id"]
    assert refund["total"] == preview["total"]
    assert refund["idempotency_key"]

    again = run("returns", "process", store, ret["id"])  # no --yes needed: nothing is sent
    assert again.exit_code == 0, again.stderr
    assert "nothing is sent" in again.stderr
    assert lines_of(again)[0]["refund"]["id"] == refund["id"]

    if "refunds.get" in _capabilities(run, store):
        read = run("refunds", "get", store, refund["id"])
        assert read.exit_code == 0, read.stderr
        assert lines_of(read)[0]["id"] == refund["id"]


def _capabilities(run: Run, store: str) -> set[str]:
    rows = lines_of(run("coverage", store))
    return {row["capability"] for row in rows if row["platforms"][store]["supported"]}


def test_process_without_a_refund(run: Run, store: str) -> None:
    need(run, store, "returns.create", "returns.process")
    order, _, ret = open_return(run, store)
    before = len(lines_of(run("refunds", "list", store, order["id"])))
    done = run("returns", "process", store, ret["id"], "--no-refund", "--yes")
    assert done.exit_code == 0, done.stderr
    [result] = lines_of(done)
    assert result["refund"] is None
    assert result["return"]["status"] == "closed"
    assert len(lines_of(run("refunds", "list", store, order["id"]))) == before


def test_usage_and_refusals(run: Run, store: str) -> None:
    bad = run("returns", "process", store, "1", "--restock", "sideways", "--yes")
    assert bad.exit_code == 2
    assert "sideways" in bad.stderr
    assert run("returns", "add-items", store, "1").exit_code == 2  # no --line
    if "returns.add_items" not in _capabilities(run, store):
        refused = run("returns", "add-items", store, "1", "--line", "1:1")
        assert refused.exit_code == 5, refused.stderr
        assert refused.stderr.strip()

"""refunds.get on Next Commerce (issue 20): no refund retrieve endpoint, so the refund
transactions' orders are read until one holds the refund; and returns stay refused honestly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import unified_orders as uo
from unified_orders.http import RecordingTransport
from unified_orders.testing import instrumented_sandbox, unwrapped


@pytest.fixture
def recorded() -> Iterator[tuple[uo.Store, RecordingTransport]]:
    holder: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        holder.append(RecordingTransport(transport))
        return holder[0]

    store = instrumented_sandbox("nextcommerce", wrap)
    assert isinstance(store, uo.Store)
    yield store, holder[0]
    store.close()


def refund_one(store: uo.Store, order_id: str, key: str) -> uo.Refund:
    order = store.orders.get(order_id)
    line = next(x for x in order.lines if x.refundable_quantity > 0)
    return store.refunds.create(
        order_id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)]),
        idempotency_key=key,
    )


def test_a_refund_is_read_by_its_id_as_the_order_has_it(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    made = refund_one(store, "10001", "get-1")
    start = len(transport.exchanges)
    got = unwrapped(store).refunds.get(made.id)  # a store of its own, as a new process
    assert got == made
    assert got.idempotency_key == "get-1"
    again = store.refunds.get(made.id)
    assert again == made
    sent = [(e.method, e.path) for e in transport.exchanges[start:]]
    assert {method for method, _ in sent} == {"GET"}
    feed = [e for e in transport.exchanges[start:] if e.path.endswith("/transactions/")]
    assert feed
    assert all(e.query.get("type") == "refund" for e in feed)


def test_refunds_on_later_pages_of_the_feed_are_found(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    numbers = ("10001", "10001", "10001", "10002")
    made = [refund_one(store, number, f"page-{i}") for i, number in enumerate(numbers)]
    for refund in made:
        assert store.refunds.get(refund.id) == refund
    # each order named by the feed is read at most once per lookup
    start = len(transport.exchanges)
    store.refunds.get(made[-1].id)
    reads = [e.path for e in transport.exchanges[start:] if "/orders/" in e.path]
    assert len(reads) == len(set(reads))
    # 5 refund transactions at 4 a page (the demo refund first): order 10002's is on the second
    pages = [e for e in transport.exchanges[start:] if e.path.endswith("/transactions/")]
    assert [bool(e.query.get("cursor")) for e in pages] == [False, True]


def test_an_unknown_refund_is_not_found_and_a_malformed_id_is_refused_before_any_request(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    with pytest.raises(uo.NotFound):
        store.refunds.get("999999")
    start = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest):
        store.refunds.get("refund-1")
    assert len(transport.exchanges) == start


def test_a_next_link_without_a_cursor_is_an_error_not_the_end_of_the_search() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/transactions/"):
            return httpx.Response(
                200,
                json={"results": [], "next": "https://sandbox.29next.store/api/admin/elsewhere/"},
            )
        return httpx.Response(404, json={"detail": "Not found."})

    store = uo.connect(
        "nextcommerce",
        store="sandbox",
        access_token="token",
        transport=httpx.MockTransport(answer),
    )
    try:
        with pytest.raises(uo.PlatformError) as caught:
            store.refunds.get("5")
        assert not isinstance(caught.value, uo.NotFound)
    finally:
        store.close()


def test_returns_stay_refused_with_the_refund_with_restock_return_hint() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    try:
        assert uo.Capability.REFUNDS_GET in store.capabilities
        for capability in (
            uo.Capability.RETURNS_ADD_ITEMS,
            uo.Capability.RETURNS_CALCULATE,
            uo.Capability.RETURNS_PROCESS,
        ):
            assert capability not in store.capabilities
            hint = store.adapter.hint(capability)
            assert "restock" in hint
            assert "RETURN" in hint or "'return'" in hint
        with pytest.raises(uo.UnsupportedOperation) as caught:
            store.returns.process("1")
        assert caught.value.hint
    finally:
        store.close()

"""No N+1 on Shopware (issue 16): a listing page is one ``search/order`` whose associations carry
each order's Commercial returns and deliveries, handed over in ``Page.details``; they equal what
``returns.list`` and ``fulfillments.list`` read order by order. A delivery's supported actions come
from the delivery machine's transitions, read once, not from one state read per delivery."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware.details import RETURNS_ASSOCIATION
from unified_orders_adapters.shopware.states import DELIVERY_MACHINE

import unified_orders as uo


def searches(recorded: Recorded, since: int = 0) -> Counter[str]:
    return Counter(f"{e.method} {e.path}" for e in recorded.transport.exchanges[since:])


def every_page(store: uo.Store) -> list[uo.Page[uo.Order]]:
    pages = []
    cursor: str | None = None
    while True:
        page = store.orders.page(uo.OrderQuery(), cursor)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def with_returns(store: uo.Store) -> dict[str, int]:
    """A return of one unit on every order that has a shipped line, two on the first; the
    number of returns per order id."""
    made: dict[str, int] = {}
    for order in store.orders.list():
        for line in order.lines:
            if line.fulfilled_quantity < 1:
                continue
            request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
            try:
                store.returns.create(order.id, request)
            except uo.InvalidRequest:
                continue
            made[order.id] = made.get(order.id, 0) + 1
            if len(made) > 1 or line.fulfilled_quantity < 2:
                break
    assert made, "the sandbox has no shipped line to return"
    return made


def test_a_listing_page_is_one_search_bringing_returns_and_deliveries(sw: Recorded) -> None:
    sw.emulator.seed_orders(30)
    made = with_returns(sw.store)
    assert max(made.values()) == 2
    every_page(sw.store)  # the shop's currency, licence and delivery transitions: read once
    sent = len(sw.transport.exchanges)
    pages = every_page(sw.store)
    assert searches(sw, sent) == {"POST /api/search/order": len(pages)}
    found: dict[str, int] = {}
    for page in pages:
        assert [o.id for o in page.items] == list(page.details)
        for order in page.items:
            details = page.details[order.id]
            assert details.returns == sw.store.returns.list(order.id)
            assert details.fulfillment_orders == sw.store.fulfillments.list(order.id)
            assert details.fulfillment_orders
            if details.returns:
                found[order.id] = len(details.returns)
    assert found == made


@pytest.mark.parametrize("version", ["6.6", "6.7"])
def test_supported_actions_are_the_ones_the_shop_offers_per_delivery(version: str) -> None:
    recorded = Recorded(sandbox_version=version)
    store = recorded.store
    recorded.emulator.seed_orders(12)
    adapter: Any = store.adapter
    orders = list(store.orders.list())
    store.fulfillments.list(orders[0].id)  # the transitions, read once
    states = set()
    for order in orders:
        sent = len(recorded.transport.exchanges)
        listed = store.fulfillments.list(order.id)
        assert searches(recorded, sent) == {"POST /api/search/order": 1}
        for fo in listed:
            offered = store.run(adapter._available("order_delivery", fo.id))
            assert fo.supported_actions == sorted({a["actionName"] for a in offered})
            states.add(fo.platform_status)
    assert len(states) > 1
    machines = searches(recorded)["POST /api/search/state-machine-transition"]
    assert machines == 1
    assert DELIVERY_MACHINE in adapter._transition_actions


def test_without_the_licence_no_return_is_asked_for() -> None:
    recorded = Recorded(sandbox_commercial=False)
    store = recorded.store
    pages = every_page(store)
    assert not any(c.value.startswith("returns.") for c in store.capabilities)
    probes = searches(recorded)["POST /api/search/order-return"]
    assert probes == 1  # asked once whether the shop has them; never per order
    for page in pages:
        assert all(details.returns == [] for details in page.details.values())
    for exchange in recorded.transport.exchanges:
        if exchange.path == "/api/search/order":
            assert "returns" not in (exchange.body.get("associations") or {})


def test_a_shop_without_the_licence_refuses_the_returns_association() -> None:
    recorded = Recorded(sandbox_commercial=False)
    adapter: Any = recorded.store.adapter
    criteria = {"limit": 1, "associations": RETURNS_ASSOCIATION}
    with pytest.raises(uo.PlatformError) as caught:
        recorded.store.run(adapter._search("order", criteria))
    assert caught.value.status == 400
    assert "returns" in str(caught.value)

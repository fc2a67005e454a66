"""Helpers for the Shopify tests: fixture loading and a sans-I/O driver."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from unified_orders_adapters.shopify.rest import translate
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.adapter import Op, Request, Response
from unified_orders.http import emulator_transport

T = TypeVar("T")
TOKEN = "test-token-not-a-real-secret"
#: Both dialects, for tests that run in each.
API = ("graphql", "rest")
PREFIX = "/admin/api/2026-07/"
#: The order of Shopify's REST examples (../shared/fixtures/shopify/order.json).
ORDER_ID = "450789469"


def load(shared: Path, name: str) -> Any:
    """A fixture parsed like a response body (floats as Decimal)."""
    return jsonutil.loads((shared / "fixtures" / "shopify" / name).read_text())


def wire(value: Any) -> Any:
    """A request body as it goes over the wire and is read back (floats as Decimal)."""
    return jsonutil.loads(jsonutil.dumps(value))


def fixture_order(shared: Path) -> uo.Order:
    """The example order read with its transactions and fulfillment orders."""
    return translate.order_from_rest(
        load(shared, "order.json"),
        transactions=load(shared, "transactions.json")["transactions"],
        fulfillment_orders=load(shared, "fulfillment_orders.json")["fulfillment_orders"],
    )


class usd:
    """Matches Money of this USD amount, whether or not it carries a shop amount."""

    def __init__(self, amount: str) -> None:
        self.amount = Decimal(amount)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, uo.Money) and other.currency == "USD" and other.amount == self.amount
        )

    def __hash__(self) -> int:
        return hash(self.amount)

    def __repr__(self) -> str:
        return f"usd({self.amount})"


def documented(shared: Path, name: str) -> dict[str, Any]:
    """The documented exchange ``name`` of requests.json."""
    exchanges: dict[str, Any] = load(shared, "requests.json")["exchanges"]
    return exchanges[name]  # type: ignore[no-any-return]


def check_request(request: Request, doc: dict[str, Any]) -> None:
    """The request goes where the documented one went."""
    assert request.method == doc["method"]
    assert PREFIX + request.url == doc["path"]


def drive(op: Op[T], answer: Callable[[Request], Any]) -> tuple[list[Request], T]:
    """Run an operation, answering each request with ``answer(request)`` (a body, status 200)."""
    sent: list[Request] = []
    try:
        request = next(op)
        while True:
            sent.append(request)
            body = answer(request)
            request = op.send(Response(200, {}, body, jsonutil.dumps(body)))
    except StopIteration as stop:
        return sent, stop.value


# --- stores over one emulator ------------------------------------------------------------------
def connect(emulator: ShopifyEmulator, api: str, **settings: Any) -> uo.Store:
    """A store over ``emulator`` in dialect ``api``, as a real shop (shared per-order locks)."""
    return uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        api=api,
        rate_limit=False,
        transport=emulator_transport(emulator),
        **settings,
    )


def one_unit(order: uo.Order, line: int = 0) -> uo.RefundRequest:
    """A refund of one unit of the order's ``line``-th line."""
    return uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[line].id, quantity=1)])


# --- flows recorded in both dialects' cassettes (the canonical calls are the same) -------------
def find(store: uo.Store, number: str) -> uo.Order:
    """The sandbox order named ``number`` (e.g. ``"#1002"``)."""
    return next(o for o in store.orders.list() if o.number == number)


def fulfillment_order_flow(store: uo.Store) -> None:
    """Hold, release and move #1002's fulfillment order; request fulfillment of #1004's."""
    order = find(store, "#1002")
    [fo] = store.fulfillments.list(order.id)
    held = store.fulfillments.hold(fo.id, reason=uo.HoldReason.AWAITING_PAYMENT, note="bank")
    assert held.status is uo.FulfillmentOrderStatus.ON_HOLD
    assert store.fulfillments.release_hold(fo.id).status is uo.FulfillmentOrderStatus.OPEN
    [first, *_] = store.fulfillments.available_locations(fo.id)
    moved = store.fulfillments.move(fo.id, first.id)
    assert moved.location_id == first.id
    waiting = find(store, "#1004")
    [service_fo] = store.fulfillments.list(waiting.id)
    submitted = store.fulfillments.request_fulfillment(service_fo.id, message="please ship")
    assert submitted.request_status == "submitted"


def cancel_and_address_flow(store: uo.Store) -> uo.Order:
    """Change #1002's shipping address, then cancel it with a refund; returns the canceled order."""
    order = find(store, "#1002")
    changed = store.orders.update_shipping_address(
        order.id, uo.Address(line1="2 Example Road", city="Springfield", postal_code="12345")
    )
    assert changed.shipping_address is not None
    assert changed.shipping_address.city == "Springfield"
    canceled = store.orders.cancel(order.id, reason="customer", refund=True, restock=True)
    assert canceled.status is uo.OrderStatus.CANCELED
    assert canceled.refunds[0].total == uo.Money.of("124.90", "EUR")
    return canceled

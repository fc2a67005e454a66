"""Demo data for the Shopify sandbox: ``data/demo.json`` and the small builders reading it.

``data/demo.json`` holds the demo locations, five demo orders covering the flows the adapter
supports (each a ``POST orders.json``-shaped body plus how far it has got), and the people,
address and catalog generated orders are made of; customers are obviously fake. The builders
return plain data (:class:`SeedOrder`); :class:`~.state.ShopifyState` turns it into store state.
Deterministic: dates count from :data:`~.origin.EPOCH`, generated orders from a seeded ``Random``.

``data/large_orders.json`` names shapes of large orders (:class:`LargeOrder`): more fulfillment
orders, fulfillments, refunds, transactions, shipping lines and returns, and longer nested lists,
than one GraphQL read of an order holds. :func:`build_large_order` builds one through the store's
own rules (its refunds are real refunds) and then splits what those rules make whole (one
fulfillment into many, one refund shipping line or discrepancy into several).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .origin import EPOCH

if TYPE_CHECKING:
    from .state import ShopifyState

__all__ = [
    "LargeOrder",
    "SeedOrder",
    "build_large_order",
    "demo_locations",
    "demo_orders",
    "generated_order",
]

_DEMO = Path(__file__).parent / "data" / "demo.json"
_LARGE = Path(__file__).parent / "data" / "large_orders.json"


@dataclass(frozen=True)
class SeedOrder:
    """An order to build: its ``POST orders.json`` body and how far it has got.

    ``fulfilled`` maps line indexes to units already shipped from ``location_id``;
    ``fulfillment_order`` sets the status/request status of the fulfillment order holding the
    rest, and ``holds`` its holds (each gets a fresh id). ``historic_refund`` describes a refund
    made before restock types existed (``legacy_restock`` at ``location_id``).
    """

    body: dict[str, Any]
    location_id: int | None = None
    fulfilled: dict[int, int] | None = None
    rate: str | None = None
    fulfillment_order: dict[str, Any] = field(default_factory=dict)
    holds: list[dict[str, Any]] = field(default_factory=list)
    historic_refund: dict[str, Any] | None = None


@cache
def _demo() -> dict[str, Any]:
    return json.loads(_DEMO.read_text())  # type: ignore[no-any-return]


def demo_locations() -> dict[str, dict[str, Any]]:
    """The demo locations (without ids), by key."""
    return json.loads(json.dumps(_demo()["locations"]))  # type: ignore[no-any-return]


def _customer(index: int, tag: str = "") -> dict[str, Any]:
    """The email and addresses of the ``index``-th demo person (``tag`` goes after a ``+``)."""
    first, last = _demo()["people"][index % len(_demo()["people"])]
    address = {"first_name": first, "last_name": last, "name": f"{first} {last}"}
    address.update(_demo()["address"])
    return {
        "email": f"{first.lower()}.{last.lower()}{tag}@example.com",
        "shipping_address": address,
        "billing_address": dict(address),
    }


def demo_orders(location_ids: Mapping[str, int]) -> list[SeedOrder]:
    """The five demo orders, their locations resolved to ``location_ids``."""
    orders = []
    for spec in json.loads(json.dumps(_demo()["orders"])):
        body = {
            **_customer(spec["customer"]),
            "processed_at": (EPOCH - timedelta(days=spec["days_ago"])).isoformat(),
            **spec["body"],
        }
        refund = spec.get("historic_refund")
        if refund is not None:
            refund["location_id"] = location_ids[refund.pop("restocked_at")]
        orders.append(
            SeedOrder(
                body,
                location_id=location_ids[spec["location"]],
                fulfilled={int(k): v for k, v in spec["fulfilled"].items()}
                if "fulfilled" in spec
                else None,
                rate=spec.get("rate"),
                fulfillment_order=spec.get("fulfillment_order") or {},
                holds=spec.get("holds") or [],
                historic_refund=refund,
            )
        )
    return orders


def generated_order(rng: random.Random, index: int, locations: list[dict[str, Any]]) -> SeedOrder:
    """One generated paid order (1-3 lines, some shipped); deterministic for ``rng``.

    Shipped from the ``index``-th of the shop's own (not fulfillment service) ``locations``.
    """
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for title, sku, price in rng.sample(_demo()["catalog"], rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        items.append({"title": title, "sku": sku, "quantity": quantity, "price": price})
        total += Decimal(price) * quantity
    shipping = rng.choice(["0.00", "4.99", "9.99"])
    total += Decimal(shipping)
    own = [x for x in locations if not x.get("fulfillment_service")]
    body = {
        **_customer(index, f"+{index}"),
        "processed_at": (EPOCH + timedelta(minutes=7 * index)).isoformat(),
        "currency": "USD",
        "financial_status": "paid",
        "line_items": items,
        "shipping_lines": [{"title": "Standard", "price": shipping}] if shipping != "0.00" else [],
        "transactions": [{"kind": "sale", "amount": str(total), "gateway": "bogus"}],
    }
    shipped = {0: int(items[0]["quantity"])} if rng.random() < 0.4 else None
    return SeedOrder(
        body,
        location_id=int(own[index % len(own)]["id"]) if own else None,
        fulfilled=shipped,
    )


# --- large orders -----------------------------------------------------------------------------
#: A unit of every line of a large order, a shipping line, and what a gift card paid.
UNIT_PRICE = Decimal("10.00")
SHIPPING_PRICE = Decimal("5.00")
GIFT_CARD = Decimal("10.00")


@cache
def _large() -> dict[str, Any]:
    return json.loads(_LARGE.read_text())  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LargeOrder:
    """The shape of a large order (``data/large_orders.json`` names some: :meth:`named`).

    ``lines`` lines of ``units`` units at 10.00, ``shipping_lines`` at 5.00, no tax. Shipping:
    ``fulfillments`` successful fulfillments each ship one unit of every line; the other units
    wait in ``fulfillment_orders`` open fulfillment orders (contiguous groups of lines, at the
    shop's own locations in turn); ``returns`` open returns each take one unit of every line of
    one fulfillment. Paying: ``gift_cards`` gift cards of 10.00 each, the rest by card (one sale,
    or an authorization captured in ``captures`` equal parts). Refunding (no restock, the next
    lines with units left, paid back as Shopify suggests): one refund of a unit of each of
    ``refund_lines`` lines, ``refunds`` single units, with ``gift_card_refund`` one unit per gift
    card paid back to each card, with ``adjustments`` one unit paid back short by 1.00 per
    adjustment (its discrepancy split into that many adjustments), and with ``shipping_refund``
    all shipping (one refund shipping line per shipping line).
    """

    lines: int = 30
    units: int = 2
    fulfillment_orders: int = 1
    fulfillments: int = 0
    returns: int = 0
    shipping_lines: int = 1
    gift_cards: int = 0
    captures: int = 0
    refund_lines: int = 0
    refunds: int = 0
    gift_card_refund: bool = False
    adjustments: int = 0
    shipping_refund: bool = False

    @classmethod
    def named(cls, name: str, **changes: Any) -> LargeOrder:
        """A shape from ``data/large_orders.json``, with ``changes``."""
        shapes = {k: v for k, v in _large().items() if isinstance(v, dict)}
        if name not in shapes:
            raise ValueError(f"no large order named {name!r}; there are {', '.join(shapes)}")
        known = {f.name for f in fields(cls)}
        return cls(**{**{k: v for k, v in shapes[name].items() if k in known}, **changes})

    def problems(self) -> list[str]:
        """What makes this shape impossible (empty when it can be built)."""
        found = []
        if self.lines < 1 or self.units < 1:
            found.append("an order needs lines and units")
        if self.fulfillments > self.units:
            found.append("each fulfillment ships a unit of every line: at most `units` of them")
        if self.returns > self.fulfillments:
            found.append("each return takes one fulfillment's units: at most `fulfillments`")
        if self.refund_lines > self.lines:
            found.append("`refund_lines` refunds distinct lines: at most `lines`")
        if self.adjustments * Decimal("1.00") >= UNIT_PRICE:
            found.append("the short refund pays back 1.00 less per adjustment: fewer than 10")
        if self.gift_cards * GIFT_CARD >= self.lines * self.units * UNIT_PRICE:
            found.append("the gift cards must leave something for the card to pay")
        return found


def _large_body(shape: LargeOrder, index: int) -> dict[str, Any]:
    """The ``POST orders.json`` body of a large order (its ``index``-th demo person pays)."""
    catalog = _demo()["catalog"]
    items = [
        {
            "title": f"{catalog[i % len(catalog)][0]} #{i + 1}",
            "sku": f"{catalog[i % len(catalog)][1]}-{i + 1:03d}",
            "quantity": shape.units,
            "price": str(UNIT_PRICE),
        }
        for i in range(shape.lines)
    ]
    total = UNIT_PRICE * shape.lines * shape.units + SHIPPING_PRICE * shape.shipping_lines
    card = total - GIFT_CARD * shape.gift_cards
    payments: list[dict[str, Any]] = []
    if shape.captures:
        part = (card / shape.captures).quantize(Decimal("0.01"))
        payments.append({"kind": "authorization", "amount": str(card), "gateway": "bogus"})
        for k in range(shape.captures):
            last = k == shape.captures - 1
            amount = card - part * (shape.captures - 1) if last else part
            payments.append({"kind": "capture", "amount": str(amount), "gateway": "bogus"})
    else:
        payments.append({"kind": "sale", "amount": str(card), "gateway": "bogus"})
    payments.extend(
        {"kind": "sale", "amount": str(GIFT_CARD), "gateway": "gift_card"}
        for _ in range(shape.gift_cards)
    )
    return {
        **_customer(index, f"+large{index}"),
        "processed_at": (EPOCH - timedelta(days=10)).isoformat(),
        "currency": "USD",
        "financial_status": "paid",
        "line_items": items,
        "shipping_lines": [
            {"title": f"Parcel {k + 1}", "price": str(SHIPPING_PRICE)}
            for k in range(shape.shipping_lines)
        ],
        "transactions": payments,
    }


def build_large_order(state: ShopifyState, shape: LargeOrder) -> dict[str, Any]:
    """Add a large order of ``shape`` to ``state``; the order (ValueError for a shape that cannot
    be built, naming why)."""
    problems = shape.problems()
    if problems:
        raise ValueError("this large order cannot be built: " + "; ".join(problems))
    own = [x for x in state.data["locations"] if not x.get("fulfillment_service")]
    shipped = {i: shape.fulfillments for i in range(shape.lines)} if shape.fulfillments else None
    order = state.build_order(
        _large_body(shape, len(state.data["orders"])),
        fulfilled=shipped,
        location_id=int(own[0]["id"]),
    )
    if shape.fulfillments > 1:
        _split_fulfillment(state, order, shape.fulfillments)
    state.number_fulfillment_lines()
    if shape.fulfillment_orders > 1:
        _spread_fulfillment_orders(state, order, shape.fulfillment_orders, own)
    for k in range(shape.returns):
        _add_return(state, order, order["fulfillments"][k], k + 1)
    _add_refunds(state, order, shape)
    return order


def _split_fulfillment(state: ShopifyState, order: dict[str, Any], count: int) -> None:
    """The one fulfillment shipping ``count`` units of every line as ``count`` fulfillments of
    one unit each."""
    whole = order["fulfillments"][0]
    parts = []
    for k in range(count):
        fid = int(whole["id"]) if k == 0 else state.new_id()
        part = copy.deepcopy(whole)
        part.update(
            id=fid,
            admin_graphql_api_id=f"gid://shopify/Fulfillment/{fid}",
            name=f"{order['name']}.{k + 1}",
            tracking_number=f"9400100000000000{fid % 1000000:06d}",
        )
        for item in part["line_items"]:
            item["quantity"] = 1
        parts.append(part)
    order["fulfillments"] = parts


def _spread_fulfillment_orders(
    state: ShopifyState, order: dict[str, Any], count: int, own: list[dict[str, Any]]
) -> None:
    """The open fulfillment order's lines in ``count`` open ones (contiguous groups of lines),
    at the shop's own locations in turn."""
    live = [fo for fo in state.fulfillment_orders_of(order["id"]) if fo["status"] == "open"]
    if not live:
        return
    whole = live[0]
    items = [(int(x["line_item_id"]), int(x["quantity"])) for x in whole["line_items"]]
    del state.data["fulfillment_orders"][str(whole["id"])]
    size = -(-len(items) // count)
    for k in range(count):
        group = items[k * size : (k + 1) * size]
        if group:
            state.new_fulfillment_order(order, int(own[k % len(own)]["id"]), group)


def _add_return(
    state: ShopifyState, order: dict[str, Any], fulfillment: dict[str, Any], number: int
) -> None:
    """An open return of every unit ``fulfillment`` shipped (as ``returnCreate`` records it)."""
    numbers = state.data["fulfillment_line_items"][str(fulfillment["id"])]
    rid = state.new_id()
    lines = [
        {
            "id": state.new_id(),
            "fulfillment_line_item_id": int(numbers[str(item["id"])]),
            "line_item_id": int(item["id"]),
            "quantity": int(item["quantity"]),
            "processed_quantity": 0,
            "return_reason_note": "too small",
            "customer_note": None,
        }
        for item in fulfillment["line_items"]
    ]
    state.data["returns"][str(rid)] = {
        "id": rid,
        "order_id": order["id"],
        "name": f"{order['name']}-R{number}",
        "status": "open",
        "created_at": state.now(),
        "closed_at": None,
        "request_approved_at": None,
        "decline": None,
        "line_items": lines,
        "refund_ids": [],
    }


def _next_lines(order: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` distinct lines with units left to refund, first lines first."""
    found = [x for x in order["line_items"] if int(x["current_quantity"]) > 0][:count]
    if len(found) < count:
        raise ValueError(f"the large order has fewer than {count} lines left to refund")
    return found


def _refund(
    state: ShopifyState,
    order: dict[str, Any],
    count: int,
    *,
    pay: list[dict[str, Any]] | None = None,
    shipping: bool = False,
) -> dict[str, Any]:
    """A refund (no restock) of a unit of ``count`` lines and, with ``shipping``, all shipping;
    paid back as ``pay`` says, else as Shopify suggests."""
    body: dict[str, Any] = {
        "refund_line_items": [
            {"line_item_id": line["id"], "quantity": 1, "restock_type": "no_restock"}
            for line in _next_lines(order, count)
        ]
    }
    if shipping:
        body["shipping"] = {"full_refund": True}
    if pay is None:
        plan = state.plan_refund(order["id"], body)
        pay = [
            {"parent_id": s["parent_id"], "amount": s["amount"], "gateway": s["gateway"]}
            for s in plan["suggestions"]
        ]
    body["transactions"] = [{"kind": "refund", **txn} for txn in pay]
    return state.create_refund(order["id"], body)


def _add_refunds(state: ShopifyState, order: dict[str, Any], shape: LargeOrder) -> None:
    if shape.refund_lines:
        _refund(state, order, shape.refund_lines)
    for _ in range(shape.refunds):
        _refund(state, order, 1)
    if shape.gift_card_refund and shape.gift_cards:
        cards = [
            t
            for t in state.data["transactions"][str(order["id"])]
            if t["gateway"] == "gift_card" and t["kind"] == "sale"
        ]
        paid = [
            {"parent_id": t["id"], "amount": str(GIFT_CARD), "gateway": t["gateway"]} for t in cards
        ]
        _refund(state, order, len(cards), pay=paid)
    if shape.adjustments:
        _short_refund(state, order, shape.adjustments)
    if shape.shipping_refund:
        refund = _refund(state, order, 0, shipping=True)
        refund["refund_shipping_lines"] = [
            {
                "id": state.new_id(),
                "shipping_line_id": line["id"],
                "subtotal_amount_set": state.bag(order, Decimal(str(line["price"]))),
                "shipping_line": copy.deepcopy(line),
            }
            for line in order["shipping_lines"]
        ]


def _short_refund(state: ShopifyState, order: dict[str, Any], adjustments: int) -> None:
    """A unit paid back short by 1.00 per adjustment; the discrepancy in that many parts."""
    plan = state.plan_refund(
        order["id"],
        {"refund_line_items": [{"line_item_id": _next_lines(order, 1)[0]["id"], "quantity": 1}]},
    )
    parent = plan["suggestions"][0]
    short = UNIT_PRICE - adjustments * Decimal("1.00")
    pay = [{"parent_id": parent["parent_id"], "amount": str(short), "gateway": parent["gateway"]}]
    refund = _refund(state, order, 1, pay=pay)
    kept = [a for a in refund["order_adjustments"] if a["kind"] != "refund_discrepancy"]
    template = next(a for a in refund["order_adjustments"] if a["kind"] == "refund_discrepancy")
    for _ in range(adjustments):
        part = dict(template, id=state.new_id())
        part.update(amount=state.money(order, Decimal("1.00")))
        part.update(amount_set=state.bag(order, Decimal("1.00")))
        kept.append(part)
    refund["order_adjustments"] = kept

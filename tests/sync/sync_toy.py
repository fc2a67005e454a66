"""A throwaway platform for the sync tests: a paged order listing with an updated-at filter.

``synctoy`` filters by updated time on the platform side; ``windowtoy`` (same emulator) can only
filter by placed date, like Next Commerce. The emulator is seeded deterministically, so two
processes given the same settings see the same orders (the kill-and-resume test relies on it).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import unified_orders as uo
from unified_orders.adapter import Op, OrderQuery, Page, Request

BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def seeded_order(number: int) -> dict[str, Any]:
    """Order ``number``: deterministic lines, payments, refunds, a return and a fulfillment order."""
    eur = number % 3 == 0
    lines = [
        {
            "id": f"{number}-{k}",
            "sku": f"SKU-{k}",
            "qty": 1 + (number + k) % 3,
            "price": f"{10 + k}.{number % 100:02d}",
        }
        for k in range(1 + number % 3)
    ]
    total = sum(Decimal(line["price"]) * line["qty"] for line in lines) + Decimal("4.95")
    order: dict[str, Any] = {
        "id": str(1000 + number),
        "currency": "EUR" if eur else "USD",
        "rate": "1.10" if eur else "1",
        "status": "open",
        "created_at": _iso(BASE + timedelta(hours=number)),
        "updated_at": _iso(BASE + timedelta(hours=number, minutes=5)),
        "lines": lines,
        "shipping": "4.95",
        "total": str(total),
        "refunds": [],
        "returns": [],
        "fulfillment_orders": [
            {
                "id": f"fo-{number}",
                "status": "open",
                "lines": [[line["id"], line["qty"]] for line in lines],
            }
        ],
    }
    if number % 4 == 1:
        line = lines[0]
        order["refunds"].append(
            {
                "id": f"r-{number}",
                "line": line["id"],
                "qty": 1,
                "amount": line["price"],
                "restock": "return",
                "at": order["updated_at"],
            }
        )
        order["returns"].append(
            {"id": f"ret-{number}", "status": "closed", "line": line["id"], "qty": 1}
        )
    return order


class ToyShop(uo.Emulator):
    """The in-memory platform: ``GET /orders`` (keyset pages), per-order returns and FOs."""

    def __init__(self, orders: int, page_size: int, delay: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.orders = {o["id"]: o for o in (seeded_order(n) for n in range(orders))}
        self.page_size = page_size
        self.delay = delay
        self.fail = False
        self.requests = 0
        self._sorted: list[int] | None = None

    # -- test helpers ---------------------------------------------------------------------
    def touch(self, order_id: str, **changes: Any) -> None:
        """Change an order and bump its updated_at to now."""
        with self.lock:
            self.orders[order_id].update(changes, updated_at=_iso(datetime.now(UTC)))

    def add(self, number: int, *, now: bool = True) -> str:
        """Add order ``number``; placed now (or at its seeded time)."""
        order = seeded_order(number)
        if now:
            order["created_at"] = order["updated_at"] = _iso(datetime.now(UTC))
        with self.lock:
            self.orders[order["id"]] = order
            self._sorted = None
        return str(order["id"])

    def delete(self, order_id: str) -> None:
        """Remove an order from the platform."""
        with self.lock:
            del self.orders[order_id]
            self._sorted = None

    # -- HTTP -------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """Answer one request."""
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.requests += 1
            if self.fail:
                return 401, {"error": "bad token"}, {}
            parts = [p for p in path.split("/") if p]
            if parts == ["orders"]:
                return 200, self._list(query), {}
            if len(parts) == 3 and parts[0] == "orders" and parts[1] in self.orders:
                order = self.orders[parts[1]]
                if parts[2] == "returns":
                    return 200, order["returns"], {}
                if parts[2] == "fulfillment_orders":
                    return 200, order["fulfillment_orders"], {}
            return 404, {"error": "not found"}, {}

    def _list(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        after = query.get("after", [""])[0]
        updated_min = _when(query.get("updated_min", [None])[0])
        created_min = _when(query.get("created_min", [None])[0])
        if self._sorted is None:
            self._sorted = sorted(int(order_id) for order_id in self.orders)
        start = bisect.bisect_right(self._sorted, int(after)) if after else 0
        chosen = []
        for number in self._sorted[start:]:
            order = self.orders[str(number)]
            updated, created = _when(order["updated_at"]), _when(order["created_at"])
            if updated_min and updated is not None and updated < updated_min:
                continue
            if created_min and created is not None and created < created_min:
                continue
            chosen.append(order)
            if len(chosen) > self.page_size:
                break
        more = len(chosen) > self.page_size
        page = chosen[: self.page_size]
        return {"orders": page, "next": page[-1]["id"] if more else None}

    def dump_state(self) -> dict[str, Any]:
        """State as JSON data."""
        return {"orders": self.orders}

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the state."""
        self.orders = state["orders"]
        self._sorted = None


class ToySettings(uo.AdapterSettings):
    """Settings: how many seeded orders, page size, per-request delay (seconds)."""

    orders: int = 12
    page_size: int = 5
    delay: float = 0.0


def _money(amount: str, currency: str, rate: str) -> uo.Money:
    shop = None if currency == "USD" else uo.Money.of(Decimal(amount) * Decimal(rate), "USD")
    return uo.Money.of(amount, currency, shop=shop)


def translate(body: dict[str, Any], platform: str) -> uo.Order:
    """Platform JSON -> canonical order."""
    cur, rate = body["currency"], body["rate"]
    m = lambda amount: _money(amount, cur, rate)  # noqa: E731
    lines = [
        uo.LineItem(
            id=line["id"],
            sku=line["sku"],
            quantity=line["qty"],
            current_quantity=line["qty"],
            refunded_quantity=sum(r["qty"] for r in body["refunds"] if r["line"] == line["id"]),
            unit_price=m(line["price"]),
            total=m(str(Decimal(line["price"]) * line["qty"])),
        )
        for line in body["lines"]
    ]
    refunds = [
        uo.Refund(
            id=r["id"],
            order_id=body["id"],
            status=uo.RefundStatus.SUCCESS,
            total=m(r["amount"]),
            created_at=_when(r["at"]),
            lines=[
                uo.RefundLine(
                    line_id=r["line"],
                    quantity=r["qty"],
                    restock=uo.Restock(r["restock"]),
                    subtotal=m(r["amount"]),
                    tax=m("0"),
                    total=m(r["amount"]),
                )
            ],
        )
        for r in body["refunds"]
    ]
    status = body["status"]
    return uo.Order(
        id=body["id"],
        platform=platform,
        currency=cur,
        shop_currency="USD",
        status=uo.OrderStatus.parse(status),
        platform_status=status,
        lines=lines,
        shipping=m(body["shipping"]),
        subtotal=m(str(Decimal(body["total"]) - Decimal(body["shipping"]))),
        tax=m("0"),
        total=m(body["total"]),
        transactions=[
            uo.Transaction(
                id=f"t-{body['id']}",
                kind=uo.TransactionKind.SALE,
                status=uo.TransactionStatus.SUCCESS,
                amount=m(body["total"]),
            )
        ],
        refunds=refunds,
        created_at=_when(body["created_at"]),
        updated_at=_when(body["updated_at"]),
        canceled_at=_when(body.get("canceled_at")),
        raw=body,
    )


class ToyAdapter(uo.Adapter):
    """Reads orders, returns and fulfillment orders; filters by updated and placed time."""

    platform: ClassVar[str] = "synctoy"
    order_filters: ClassVar[frozenset[str]] = frozenset({"updated_since", "created_since"})
    restock_policy = uo.RestockPolicy(
        unfulfilled=frozenset(uo.Restock),
        fulfilled=frozenset(uo.Restock),
        fulfilled_digital=frozenset(uo.Restock),
    )
    _emulator: ToyShop | None = None

    @property
    def capabilities(self) -> frozenset[uo.Capability]:
        """Reads only."""
        return frozenset(
            {uo.Capability.ORDERS_LIST, uo.Capability.RETURNS_LIST, uo.Capability.FULFILLMENTS_LIST}
        )

    @property
    def base_url(self) -> str:
        """Where the fake platform lives."""
        return "https://toy.example/"

    def emulator(self) -> ToyShop:
        """One emulator per adapter."""
        if self._emulator is None:
            s = self.settings
            assert isinstance(s, ToySettings)
            self._emulator = ToyShop(s.orders, s.page_size, s.delay)
        return self._emulator

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[uo.Order]]:
        """One page."""
        params: dict[str, str] = {}
        if cursor:
            params["after"] = cursor
        if query.updated_since and "updated_since" in self.order_filters:
            params["updated_min"] = _iso(query.updated_since)
        if query.created_since:
            params["created_min"] = _iso(query.created_since)
        body = (yield Request("GET", "orders", params=params)).body
        return Page([translate(o, self.platform) for o in body["orders"]], body["next"])

    def list_returns(self, order_id: str) -> Op[list[uo.Return]]:
        """Returns of an order."""
        body = (yield Request("GET", f"orders/{order_id}/returns")).body
        return [
            uo.Return(
                id=r["id"],
                order_id=order_id,
                status=uo.ReturnStatus.parse(r["status"]),
                platform_status=r["status"],
                lines=[uo.ReturnLine(id=f"{r['id']}-1", line_id=r["line"], quantity=r["qty"])],
            )
            for r in body
        ]

    def list_fulfillment_orders(self, order_id: str) -> Op[list[uo.FulfillmentOrder]]:
        """Fulfillment orders of an order."""
        body = (yield Request("GET", f"orders/{order_id}/fulfillment_orders")).body
        return [
            uo.FulfillmentOrder(
                id=fo["id"],
                order_id=order_id,
                status=uo.FulfillmentOrderStatus.parse(fo["status"]),
                lines=[
                    uo.FulfillmentOrderLine(
                        id=f"{fo['id']}-{lid}", line_id=lid, quantity=q, fulfillable_quantity=q
                    )
                    for lid, q in fo["lines"]
                ],
            )
            for fo in body
        ]


class WindowAdapter(ToyAdapter):
    """The same platform, without an updated-at filter (like Next Commerce)."""

    platform: ClassVar[str] = "windowtoy"
    order_filters: ClassVar[frozenset[str]] = frozenset({"created_since"})


class ToyPlugin:
    """Registers both toy platforms."""

    @uo.hookimpl
    def unified_orders_adapters(self) -> list[uo.AdapterSpec]:
        """The specs."""
        caps = frozenset({uo.Capability.ORDERS_LIST})
        return [
            uo.AdapterSpec("synctoy", ToyAdapter, ToySettings, caps, "0.0.1"),
            uo.AdapterSpec("windowtoy", WindowAdapter, ToySettings, caps, "0.0.1"),
        ]


def register() -> None:
    """Register the toy plugin (idempotent)."""
    from unified_orders import plugins

    if not plugins.pm.has_plugin("sync-toy"):
        plugins.pm.register(ToyPlugin(), name="sync-toy")


def unregister() -> None:
    """Remove the toy plugin."""
    from unified_orders import plugins

    if plugins.pm.has_plugin("sync-toy"):
        plugins.pm.unregister(name="sync-toy")

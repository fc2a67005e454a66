"""A throwaway platform for the sync tests: a paged order listing with an updated-at filter.

``synctoy`` filters by updated time on the platform side; ``windowtoy`` (same emulator) can only
filter by placed date, like Next Commerce. The emulator is seeded deterministically, so two
processes given the same settings see the same orders (the kill-and-resume test relies on it).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import unified_orders as uo
from unified_orders.adapter import Op, OrderChange, OrderQuery, Page, Request
from unified_orders.pagination import translate_each
from unified_orders.sandbox import (
    BaseEmulator,
    EmulatorError,
    NoRoute,
    Reply,
    Route,
    Router,
    SandboxRequest,
)

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


ROUTES = Router(
    [
        Route("GET", "orders", "list_orders"),
        Route("GET", "orders/{order_id}", "get_order"),
        Route("GET", "changes", "list_changes"),
        Route("GET", "orders/{order_id}/returns", "list_returns"),
        Route("GET", "orders/{order_id}/fulfillment_orders", "list_fulfillment_orders"),
    ]
)


class ToyShop(BaseEmulator):
    """The in-memory platform: ``GET /orders`` (keyset pages), per-order returns and FOs.

    ``fail`` makes every request a 401; ``requests`` counts the requests answered; ``delay``
    (seconds) slows each request down outside the lock, like a distant server.
    """

    router = ROUTES

    def __init__(self, orders: int, page_size: int, delay: float = 0.0) -> None:
        super().__init__()
        self.state = {
            "orders": {o["id"]: o for o in (seeded_order(n) for n in range(orders))},
            "events": [],
        }
        self.page_size = page_size
        self.delay = delay
        self.fail = False
        self.requests = 0
        self._sorted: list[int] | None = None

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """The orders by id."""
        orders: dict[str, dict[str, Any]] = self.state["orders"]
        return orders

    # -- test helpers ---------------------------------------------------------------------
    def touch(self, order_id: str, *, bump: bool = True, **changes: Any) -> None:
        """Change an order and bump its updated_at to now (``bump=False``: a change the
        platform makes without touching updated_at, like a refund on some platforms); the change
        feed records it either way."""
        now = _iso(datetime.now(UTC))
        with self.lock:
            self.orders[order_id].update(changes, **({"updated_at": now} if bump else {}))
            self.state["events"].append({"order_id": order_id, "at": now, "deleted": False})

    def add(self, number: int, *, now: bool = True) -> str:
        """Add order ``number``; placed now (or at its seeded time)."""
        order = seeded_order(number)
        if now:
            order["created_at"] = order["updated_at"] = _iso(datetime.now(UTC))
        with self.lock:
            self.orders[order["id"]] = order
            self.changed()
        return str(order["id"])

    def delete(self, order_id: str) -> None:
        """Remove an order from the platform."""
        with self.lock:
            del self.orders[order_id]
            self.state["events"].append(
                {"order_id": order_id, "at": _iso(datetime.now(UTC)), "deleted": True}
            )
            self.changed()

    # -- the shell's hooks ------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Reply:
        """Answer one request, after ``delay``."""
        if self.delay:
            time.sleep(self.delay)
        return super().handle(method, path, query, headers, body)

    def admit(self, request: SandboxRequest) -> None:
        """Count the request; refuse it while ``fail`` is set."""
        self.requests += 1
        if self.fail:
            raise EmulatorError(401, {"error": "bad token"})

    def no_route(self, request: SandboxRequest, missing: NoRoute) -> EmulatorError:
        """Anything else is a 404."""
        return EmulatorError(404, {"error": "not found"})

    def changed(self) -> None:
        """Forget the sorted id index."""
        self._sorted = None

    # -- handlers ---------------------------------------------------------------------------
    def _order(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.orders:
            raise EmulatorError(404, {"error": "not found"})
        return self.orders[order_id]

    def get_order(self, request: SandboxRequest, order_id: str) -> tuple[int, Any]:
        return 200, self._order(order_id)

    def list_changes(self, request: SandboxRequest) -> tuple[int, Any]:
        """Events since ``since``, two per page (``page`` is the cursor)."""
        since = _when(request.arg("since"))
        start = int(request.arg("page", "0") or 0)
        events = [e for e in self.state["events"] if since is None or _when(e["at"]) >= since]
        chunk = events[start : start + 2]
        more = start + 2 < len(events)
        return 200, {"events": chunk, "next": str(start + 2) if more else None}

    def list_returns(self, request: SandboxRequest, order_id: str) -> tuple[int, Any]:
        return 200, self._order(order_id)["returns"]

    def list_fulfillment_orders(self, request: SandboxRequest, order_id: str) -> tuple[int, Any]:
        return 200, self._order(order_id)["fulfillment_orders"]

    def list_orders(self, request: SandboxRequest) -> tuple[int, Any]:
        """One keyset page of orders after ``after``, filtered by updated/placed time."""
        after = request.arg("after", "")
        updated_min = _when(request.arg("updated_min"))
        created_min = _when(request.arg("created_min"))
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
        return 200, {"orders": page, "next": page[-1]["id"] if more else None}


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
        orders, failures = translate_each(
            body["orders"], lambda o: translate(o, self.platform), lambda o: str(o["id"])
        )
        return Page(orders, body["next"], failures)

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


class FeedAdapter(WindowAdapter):
    """A placed-window platform with a change feed (like Next Commerce's transactions)."""

    platform: ClassVar[str] = "feedtoy"

    @property
    def capabilities(self) -> frozenset[uo.Capability]:
        """Reads, including single orders (the feed's re-reads)."""
        return super().capabilities | {uo.Capability.ORDERS_GET}

    def get_order(self, order_id: str) -> Op[uo.Order]:
        """One order."""
        body = (yield Request("GET", f"orders/{order_id}")).body
        return translate(body, self.platform)

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """The platform's event feed."""
        params = {"since": _iso(since), **({"page": cursor} if cursor else {})}
        body = (yield Request("GET", "changes", params=params)).body
        changes = [OrderChange(e["order_id"], deleted=e["deleted"]) for e in body["events"]]
        return Page(changes, body["next"])


class ToyPlugin:
    """Registers both toy platforms."""

    @uo.hookimpl
    def unified_orders_adapters(self) -> list[uo.AdapterSpec]:
        """The specs."""
        caps = frozenset({uo.Capability.ORDERS_LIST})
        return [
            uo.AdapterSpec("synctoy", ToyAdapter, ToySettings, caps, "0.0.1"),
            uo.AdapterSpec("windowtoy", WindowAdapter, ToySettings, caps, "0.0.1"),
            uo.AdapterSpec("feedtoy", FeedAdapter, ToySettings, caps, "0.0.1"),
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

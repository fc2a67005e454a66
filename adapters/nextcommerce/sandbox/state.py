"""The sandbox store's data and what follows from it: clock, ids, lookups, derived quantities.

:class:`NextCommerceBackend` wraps the emulator's JSON state (``data``: a logical clock
``tick``, id ``counters``, ``locations``, ``products``, ``gateways``, ``orders`` by number and
``fulfillment_orders`` by id). Order records keep only what was stored (lines, transactions,
fulfillments, refunds); payment and fulfillment statuses, totals and refundable amounts are
derived here. Derived indexes (fulfillment orders by order, list query results) make a request
cost O(page) however many orders the store holds; ``forget()`` drops them, and the emulator calls
it around every write.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from unified_orders.sandbox import EmulatorError, WriteClock

from ..rules import cents

__all__ = [
    "BASE_TIME",
    "Json",
    "NextCommerceBackend",
    "as_int",
    "bad_request",
    "d",
    "detail",
    "logical_clock",
    "not_a_dict",
]

Json = dict[str, Any]

#: Time zero of the logical clock: every tick is one minute after it.
BASE_TIME = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def logical_clock() -> WriteClock:
    """The sandbox's deterministic clock: write n is stamped ``BASE_TIME`` + n minutes."""
    return WriteClock(BASE_TIME, timedelta(minutes=1))


# --- values and error answers -------------------------------------------------------------------
def d(value: Any) -> Decimal:
    """A Decimal from a stored decimal string."""
    return Decimal(str(value))


def as_int(value: Any) -> int | None:
    """An integer from a JSON int or digit string (None for anything else, booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def bad_request(body: Any) -> EmulatorError:
    """A DRF validation error: 400 with field messages."""
    return EmulatorError(400, body)


def not_a_dict() -> Json:
    """DRF's error body for a request body that is not a JSON object."""
    return {"non_field_errors": ["Invalid data. Expected a dictionary."]}


def detail(message: str, status: int = 400) -> EmulatorError:
    """A DRF ``{"detail": ...}`` error."""
    return EmulatorError(status, {"detail": message})


class NextCommerceBackend:
    """The store's JSON ``data`` with its clock, ids, lookups and derived quantities."""

    def __init__(self, data: Json, clock: WriteClock | None = None) -> None:
        self.data = data
        self.clock = clock or logical_clock()
        # Bumped by every write (``forget``): list results are kept for one generation.
        self.generation = 0
        self._fo_index: tuple[tuple[int, int], dict[str, list[Json]]] | None = None
        self._list_cache: dict[tuple[Any, ...], list[Json]] = {}
        self._list_key: tuple[int, int, int] | None = None

    def forget(self) -> None:
        """Drop the derived indexes: the data may have changed."""
        self.generation += 1
        self._fo_index = None
        self._list_cache.clear()

    # --- clock and ids ------------------------------------------------------------------------------
    def now(self) -> str:
        """Count a write; its time (the next logical minute, or the wall clock's time) as the API
        writes it."""
        self.data["tick"] += 1
        return self.clock.at(int(self.data["tick"])).isoformat().replace("+00:00", "Z")

    def next_id(self, name: str) -> int:
        """The next id of counter ``name`` (``order``, ``line``, ``txn``, ``fo``, ...)."""
        self.data["counters"][name] += 1
        return int(self.data["counters"][name])

    # --- lookups --------------------------------------------------------------------------------------
    def order(self, number: str) -> Json:
        """The order with this number; 404 if there is none."""
        order = self.data["orders"].get(number)
        if order is None:
            raise detail("Not found.", 404)
        return order  # type: ignore[no-any-return]

    def fulfillment_order(self, fo_id: str | int) -> Json:
        """The fulfillment order with this id; 404 if there is none."""
        fo = self.data["fulfillment_orders"].get(str(fo_id))
        if fo is None:
            raise detail("Not found.", 404)
        return fo  # type: ignore[no-any-return]

    def fulfillment_orders_of(self, number: str) -> list[Json]:
        """The order's fulfillment orders, oldest first."""
        # Fulfillment orders are only ever added, and never change order: an index by order
        # number, rebuilt when the table grows (or is replaced), is exact.
        fos: dict[str, Json] = self.data["fulfillment_orders"]
        key = (id(fos), len(fos))
        if self._fo_index is None or self._fo_index[0] != key:
            index: dict[str, list[Json]] = {}
            for fo in fos.values():
                index.setdefault(fo["order_number"], []).append(fo)
            self._fo_index = (key, index)
        return list(self._fo_index[1].get(number, ()))

    def product_by_variant(self, value: Any) -> Json | None:
        """The catalogue product whose variant (or product) id is ``value``."""
        ref = as_int(value)
        if ref is None:
            return None
        for product in self.data["products"].values():
            if ref in (product["variant_id"], product["id"]):
                return product  # type: ignore[no-any-return]
        return None

    @staticmethod
    def transaction(order: Json, txn_id: int) -> Json | None:
        """The order's transaction with this id."""
        return next((t for t in order["transactions"] if t["id"] == txn_id), None)

    def filtered_orders(
        self,
        date_from: str | None,
        date_to: str | None,
        statuses: list[str] | None,
        number: str | None,
    ) -> list[Json]:
        """The orders a list query selects, in store order; kept until the next write."""
        all_orders: dict[str, Json] = self.data["orders"]
        state_key = (id(all_orders), len(all_orders), self.generation)
        if self._list_key != state_key:
            self._list_cache.clear()
            self._list_key = state_key
        key = (date_from, date_to, tuple(statuses) if statuses else None, number)
        cached = self._list_cache.get(key)
        if cached is not None:
            return cached
        orders = list(all_orders.values())
        if date_from:
            orders = [o for o in orders if o["date_placed"][:10] >= date_from]
        if date_to:
            orders = [o for o in orders if o["date_placed"][:10] <= date_to]
        if statuses:
            orders = [o for o in orders if o["status"] in statuses]
        if number:
            orders = [o for o in orders if o["number"] == number]
        self._list_cache[key] = orders
        return orders

    # --- derived quantities ---------------------------------------------------------------------------
    @staticmethod
    def fulfilled(order: Json, line_id: int) -> int:
        """Units of the line shipped by successful fulfillments."""
        return sum(
            item["quantity"]
            for f in order["fulfillments"]
            if f["status"] == "success"
            for item in f["lines"]
            if item["order_line_id"] == line_id
        )

    @staticmethod
    def refunded(order: Json, line_id: int, restock: str | None = None) -> int:
        """Units of the line refunded (with restock type ``restock`` only, when given)."""
        return sum(
            item["quantity"]
            for r in order["refunds"]
            for item in r["lines"]
            if item["line_item_id"] == line_id
            and (restock is None or item["restock_type"] == restock)
        )

    def unfulfilled(self, order: Json, line: Json) -> int:
        """Units still to ship: neither fulfilled nor canceled by a refund (INFERRED)."""
        return max(
            int(line["current_quantity"])
            - self.fulfilled(order, line["id"])
            - self.refunded(order, line["id"], "cancel"),
            0,
        )

    def fulfilled_refundable(self, order: Json, line: Json) -> int:
        """Shipped units of the line not refunded yet."""
        refunded_fulfilled = self.refunded(order, line["id"]) - self.refunded(
            order, line["id"], "cancel"
        )
        return max(self.fulfilled(order, line["id"]) - refunded_fulfilled, 0)

    @staticmethod
    def incl(excl: Decimal, rate: Any) -> Decimal:
        """An excl-tax amount with tax at ``rate`` added, in cents."""
        return cents(excl * (1 + d(rate)))

    def line_prices(self, line: Json) -> tuple[Decimal, Decimal]:
        """The line's unit price excl. and incl. tax."""
        excl = d(line["price_excl_tax"])
        return excl, self.incl(excl, line["tax_rate"])

    def totals(self, order: Json) -> Json:
        """The order's amounts: lines, shipping and total (excl/incl tax), and cost."""
        lines_excl = sum(
            (self.line_prices(line)[0] * line["current_quantity"] for line in order["lines"]),
            Decimal(0),
        )
        lines_incl = sum(
            (self.line_prices(line)[1] * line["current_quantity"] for line in order["lines"]),
            Decimal(0),
        )
        ship_excl = d(order["shipping_excl_tax"])
        ship_incl = self.incl(ship_excl, order["shipping_tax_rate"])
        cost = sum(
            (d(line["unit_cost"]) * line["current_quantity"] for line in order["lines"]), Decimal(0)
        )
        return {
            "lines_excl": lines_excl,
            "lines_incl": lines_incl,
            "ship_excl": ship_excl,
            "ship_incl": ship_incl,
            "total_excl": lines_excl + ship_excl,
            "total_incl": lines_incl + ship_incl,
            "cost": cost,
        }

    @staticmethod
    def refundable_of(order: Json, txn: Json) -> Decimal:
        """What a payment transaction can still give back (captures; open authorizations)."""
        if txn["status"] != "succeeded" or txn["type"] not in ("debit", "authorize"):
            return Decimal(0)
        children = [
            t
            for t in order["transactions"]
            if t.get("parent_id") == txn["id"] and t["status"] == "succeeded"
        ]
        if txn["type"] == "debit":
            used = sum((d(t["amount"]) for t in children if t["type"] == "refund"), Decimal(0))
        else:
            used = sum(
                (d(t["amount"]) for t in children if t["type"] in ("debit", "void")), Decimal(0)
            )
        return max(d(txn["amount"]) - used, Decimal(0))

    @staticmethod
    def captured(order: Json) -> list[Json]:
        """The order's successful captures and sales."""
        return [
            t for t in order["transactions"] if t["type"] == "debit" and t["status"] == "succeeded"
        ]

    def payment_status(self, order: Json) -> str:
        """``payment_status`` from the order's transactions."""
        ok = [t for t in order["transactions"] if t["status"] == "succeeded"]
        captured = sum((d(t["amount"]) for t in ok if t["type"] == "debit"), Decimal(0))
        refunded = sum((d(t["amount"]) for t in ok if t["type"] == "refund"), Decimal(0))
        open_auth = sum(
            (self.refundable_of(order, t) for t in ok if t["type"] == "authorize"), Decimal(0)
        )
        voided = any(t["type"] == "void" for t in ok)
        if captured == 0:
            if open_auth > 0:
                return "authorized"
            return "voided" if voided else "pending"
        if refunded >= captured:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        if captured >= self.totals(order)["total_incl"]:
            return "paid"
        return "partially_paid"

    def fulfillment_status(self, order: Json) -> str:
        """``fulfillment_status`` from shipped units and the fulfillment orders' statuses."""
        if order.get("fulfillment_status_override"):
            return str(order["fulfillment_status_override"])
        shippable = [line for line in order["lines"] if line["requires_shipping"]]
        to_ship = sum(
            line["current_quantity"] - self.refunded(order, line["id"], "cancel")
            for line in shippable
        )
        shipped = sum(self.fulfilled(order, line["id"]) for line in shippable)
        if to_ship <= 0:
            return "fulfilled" if order["fulfillments"] else "not_required"
        if shipped >= to_ship:
            return "fulfilled"
        if shipped > 0:
            return "partially_fulfilled"  # not in the response enum, but sent (see the notes §11)
        statuses = {fo["status"] for fo in self.fulfillment_orders_of(order["number"])}
        if "processing" in statuses:
            return "processing"
        if "on_hold" in statuses:
            return "on_hold"
        return "unfulfilled"

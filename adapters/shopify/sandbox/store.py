"""The store's data and plumbing: the id sequence, the clock, money, lookups, dump and load.

State is plain JSON-serialisable dicts shaped like Shopify's REST resources (orders with their
line items, refunds and fulfillments; transactions; fulfillment orders; locations). Amounts are
decimal strings and ids JSON integers (beyond 2**53, like real Shopify ids). The rules built on
this live in :mod:`.fulfillment_orders`, :mod:`.refunds` and :mod:`.orders`.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.models import minor_unit
from unified_orders.sandbox import WriteClock

from .errors import not_found
from .origin import FIRST_ID, logical_clock

__all__ = ["Store", "to_decimal"]


def to_decimal(value: Any) -> Decimal:
    """A state amount (decimal string, number or None for zero) as a Decimal."""
    return Decimal(str(value if value is not None else "0"))


class Store:
    """One sandbox shop's data: orders, transactions, fulfillment orders and locations."""

    def __init__(
        self, shop: str = "sandbox.myshopify.com", *, clock: WriteClock | None = None
    ) -> None:
        #: Dates the writes (not state: dump and load leave it alone).
        self.clock = clock or logical_clock()
        self.data: dict[str, Any] = {
            "shop": {"domain": shop, "currency": "USD", "id": 548380009},
            "next_id": FIRST_ID,
            "tick": 0,
            "generated": 0,
            "locations": [],
            "orders": {},
            "transactions": {},
            "fulfillment_orders": {},
            "rates": {},
            # GraphQL-only parts (used by sandbox.graphql): FulfillmentLineItem ids by
            # fulfillment and line, returns, cancel jobs, and results by idempotency key.
            "fulfillment_line_items": {},
            "returns": {},
            "jobs": {},
            "idempotency": {},
            # what the gateway answers refunds, by order id (absent: success)
            "refund_outcomes": {},
            # the store's events (``events`` query), by id: deleted orders
            "events": {},
        }

    # --- plumbing -------------------------------------------------------------------------------
    def new_id(self) -> int:
        """A fresh id (shared sequence for every kind of object)."""
        value = int(self.data["next_id"])
        self.data["next_id"] = value + 1
        return value

    def now(self) -> str:
        """A write's timestamp: each write moves the logical clock one minute on (or, with a wall
        clock set, is dated by it, to the second as Shopify writes times)."""
        self.data["tick"] = int(self.data["tick"]) + 1
        return self.clock.at(int(self.data["tick"])).isoformat(timespec="seconds")

    @property
    def shop_currency(self) -> str:
        """The shop's own currency."""
        return str(self.data["shop"]["currency"])

    def fmt(self, amount: Decimal, currency: str) -> str:
        """An amount as Shopify writes it: a decimal string at the currency's precision."""
        quantum = Decimal(1).scaleb(-minor_unit(currency))
        return str(amount.quantize(quantum, rounding=ROUND_HALF_UP))

    def bag(self, order: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        """A ``*_set`` money bag for a presentment amount of ``order``."""
        presentment = str(order["presentment_currency"])
        rate = to_decimal(self.data["rates"].get(str(order["id"]), "1"))
        return {
            "shop_money": {
                "amount": self.fmt(amount * rate, self.shop_currency),
                "currency_code": self.shop_currency,
            },
            "presentment_money": {
                "amount": self.fmt(amount, presentment),
                "currency_code": presentment,
            },
        }

    def money(self, order: dict[str, Any], amount: Decimal) -> str:
        """A presentment amount of ``order`` as a decimal string."""
        return self.fmt(amount, str(order["presentment_currency"]))

    def dump(self) -> dict[str, Any]:
        """All state (JSON-serialisable)."""
        return copy.deepcopy(self.data)

    def load(self, data: dict[str, Any]) -> None:
        """Replace all state (dumps from before the GraphQL parts existed get them)."""
        self.data = copy.deepcopy(data)
        for key in (
            "fulfillment_line_items",
            "returns",
            "jobs",
            "idempotency",
            "refund_outcomes",
            "events",
        ):
            self.data.setdefault(key, {})
        self.number_fulfillment_lines()

    def number_fulfillment_lines(self) -> None:
        """Give every fulfillment line its own id (GraphQL ``FulfillmentLineItem``).

        REST fulfillment lines are copies of the order's line items (their ``id`` is the line
        id), so the GraphQL ids are kept beside them, by fulfillment id and line id.
        """
        table = self.data.setdefault("fulfillment_line_items", {})
        for order in self.orders():
            for fulfillment in order.get("fulfillments") or []:
                rows = table.setdefault(str(fulfillment["id"]), {})
                for item in fulfillment.get("line_items") or []:
                    if str(item["id"]) not in rows:
                        rows[str(item["id"])] = self.new_id()

    # --- lookups ----------------------------------------------------------------------------
    def order(self, order_id: int | str) -> dict[str, Any]:
        """An order (404 when absent)."""
        found = self.data["orders"].get(str(order_id))
        if found is None:
            raise not_found()
        return found  # type: ignore[no-any-return]

    def orders(self) -> list[dict[str, Any]]:
        """Every order, by id."""
        return sorted(self.data["orders"].values(), key=lambda o: int(o["id"]))

    def shown(self, order: dict[str, Any]) -> bool:
        """Whether the app's reads are shown ``order``: an app without ``read_all_orders`` (in
        the store's ``denied_scopes``) sees only orders placed in the 60 days before the
        sandbox's now, as Shopify documents (INFERRED: counted by ``created_at``)."""
        if "read_all_orders" not in self.data.get("denied_scopes", ()):
            return True
        now = self.clock.at(int(self.data["tick"]))
        return datetime.fromisoformat(str(order["created_at"])) >= now - timedelta(days=60)

    def shown_order(self, order_id: int | str) -> dict[str, Any]:
        """:meth:`order` as the app's reads see it: 404 for one it is not shown."""
        found = self.order(order_id)
        if not self.shown(found):
            raise not_found()
        return found

    def transactions(self, order_id: int | str) -> list[dict[str, Any]]:
        """An order's transactions, oldest first."""
        self.order(order_id)
        return list(self.data["transactions"].get(str(order_id), []))

    def location(self, location_id: int | str) -> dict[str, Any] | None:
        """A location, or None."""
        return next((x for x in self.data["locations"] if str(x["id"]) == str(location_id)), None)

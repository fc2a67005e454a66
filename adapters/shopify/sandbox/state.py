"""The sandbox's store state and the rules Shopify enforces: dialect-neutral.

:class:`ShopifyState` is the store (:mod:`.store`: data, ids, clock, money, lookups) with
Shopify's rules stacked on it, one kind per module: fulfillment orders
(:mod:`.fulfillment_orders`), refunds (:mod:`.refunds`) and orders (:mod:`.orders`). Inputs are
REST-shaped dicts: the REST handlers pass request bodies through, the GraphQL layer translates its
inputs to them, and a refusal is a :class:`~.errors.ShopifyError` carrying a status plus
REST-shaped ``errors`` (which GraphQL turns into ``userErrors``). Seeding reads plain data from
:mod:`.seed`.
"""

from __future__ import annotations

import random
from typing import Any

from unified_orders.sandbox import WriteClock

from .orders import OrderRules
from .seed import SeedOrder, demo_locations, demo_orders, generated_order
from .shipments import ShipmentRules

__all__ = ["ShopifyState"]


class ShopifyState(OrderRules, ShipmentRules):
    """Orders, transactions, fulfillment orders and locations of one sandbox shop."""

    def __init__(
        self,
        shop: str = "sandbox.myshopify.com",
        *,
        seed: bool = True,
        clock: WriteClock | None = None,
    ) -> None:
        super().__init__(shop, clock=clock)
        if seed:
            self.seed_demo()
            self.number_fulfillment_lines()

    def seed_demo(self) -> None:
        """The demo locations and the five demo orders."""
        location_ids: dict[str, int] = {}
        for key in demo_locations():
            location_ids[key] = self.new_id()
        self.data["locations"] = [
            {"id": location_ids[key], **place} for key, place in demo_locations().items()
        ]
        for order in demo_orders(location_ids):
            self.add_seed_order(order)

    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` generated orders (deterministic: the same calls give the same orders)."""
        ids = []
        for _ in range(n):
            index = int(self.data["generated"])
            self.data["generated"] = index + 1
            seed = generated_order(random.Random(f"shopify-{index}"), index, self.data["locations"])
            ids.append(str(self.add_seed_order(seed)["id"]))
            self.number_fulfillment_lines()
        return ids

    def delete_order(self, order_id: int | str) -> dict[str, Any]:
        """Delete an order with its transactions, fulfillment orders and returns (404 when
        absent), and record the ``destroy`` event Shopify keeps for it; returns the event."""
        order = self.order(order_id)
        key = str(order["id"])
        del self.data["orders"][key]
        self.data["transactions"].pop(key, None)
        for table in ("fulfillment_orders", "returns"):
            rows = self.data[table]
            for row_id in [k for k, row in rows.items() if str(row["order_id"]) == key]:
                del rows[row_id]
        event = {
            "id": self.new_id(),
            "created_at": self.now(),
            "subject_id": order["id"],
            "subject_type": "ORDER",
            # INFERRED: the action and message Shopify records for a deleted order.
            "action": "destroy",
            "message": f"Order {order.get('name')} was deleted.",
        }
        self.data.setdefault("events", {})[str(event["id"])] = event
        return event

    def add_seed_order(self, seed: SeedOrder) -> dict[str, Any]:
        """Build a seeded order: its holds get ids first, then the order, then any old refund."""
        fo_state = dict(seed.fulfillment_order)
        if seed.holds:
            fo_state["fulfillment_holds"] = [{"id": self.new_id(), **hold} for hold in seed.holds]
        order = self.build_order(
            seed.body,
            rate=seed.rate,
            fulfilled=seed.fulfilled,
            location_id=seed.location_id,
            fo_state=fo_state,
        )
        if seed.historic_refund is not None:
            self._add_historic_refund(order, seed.historic_refund)
        return order

    def _add_historic_refund(self, order: dict[str, Any], spec: dict[str, Any]) -> None:
        """A refund of one line paid back on the first sale, then marked the way refunds made
        before restock types existed read: ``restock`` true, ``legacy_restock`` at a location."""
        sale = self.data["transactions"][str(order["id"])][0]
        refund = self.create_refund(
            order["id"],
            {
                "note": spec["note"],
                "refund_line_items": [
                    {
                        "line_item_id": order["line_items"][spec["line"]]["id"],
                        "quantity": spec["quantity"],
                        "restock_type": "no_restock",
                    }
                ],
                "transactions": [
                    {
                        "parent_id": sale["id"],
                        "amount": spec["amount"],
                        "kind": "refund",
                        "gateway": sale["gateway"],
                    }
                ],
            },
        )
        refund["restock"] = True
        refund["refund_line_items"][0]["restock_type"] = "legacy_restock"
        refund["refund_line_items"][0]["location_id"] = spec["location_id"]

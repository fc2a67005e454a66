"""Demo data for the Shopify sandbox: ``data/demo.json`` and the small builders reading it.

``data/demo.json`` holds the demo locations, five demo orders covering the flows the adapter
supports (each a ``POST orders.json``-shaped body plus how far it has got), and the people,
address and catalog generated orders are made of; customers are obviously fake. The builders
return plain data (:class:`SeedOrder`); :class:`~.state.ShopifyState` turns it into store state.
Deterministic: dates count from :data:`~.origin.EPOCH`, generated orders from a seeded ``Random``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from .origin import EPOCH

__all__ = ["SeedOrder", "demo_locations", "demo_orders", "generated_order"]

_DEMO = Path(__file__).parent / "data" / "demo.json"


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

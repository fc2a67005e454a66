"""What the core's toy ledger adapters share (test_writes, test_return_refunds, test_shipments):
a restock policy that allows every kind, and the one-line order of 4 units at 25.00 USD they
read back with its refunds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import unified_orders as uo

#: Every restock kind allowed everywhere: the toys test the core's rules, not a platform's.
ANY_RESTOCK = uo.RestockPolicy(
    unfulfilled=frozenset(uo.Restock),
    fulfilled=frozenset(uo.Restock),
    fulfilled_digital=frozenset(uo.Restock),
)


def usd(amount: Any) -> uo.Money:
    return uo.Money.of(amount, "USD")


def four_unit_order(platform: str, refunds: Sequence[uo.Refund], refunded: int) -> uo.Order:
    """Order 1: line L, 4 units at 25.00 USD all fulfilled (``refunded`` of them refunded), paid
    by sale T of 100.00, with ``refunds``."""
    return uo.Order(
        id="1",
        platform=platform,
        currency="USD",
        status=uo.OrderStatus.OPEN,
        lines=[
            uo.LineItem(
                id="L",
                quantity=4,
                current_quantity=4,
                fulfilled_quantity=4,
                refunded_quantity=refunded,
                unit_price=usd("25.00"),
                total=usd("100.00"),
            )
        ],
        transactions=[
            uo.Transaction(
                id="T",
                kind=uo.TransactionKind.SALE,
                status=uo.TransactionStatus.SUCCESS,
                amount=usd("100.00"),
            )
        ],
        refunds=list(refunds),
        shipping=usd(0),
        subtotal=usd(100),
        tax=usd(0),
        total=usd(100),
    )

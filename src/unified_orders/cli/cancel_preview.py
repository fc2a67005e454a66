"""The preview ``orders cancel`` shows before asking: money refunded, kept or voided, and stock.

Built on :func:`unified_orders.cancellation.cancel_effect`: money only authorized is *voided*
(never "refunded"), and restocking follows the platform's rule (the adapter's
``cancel_restock``), so the preview never promises a restock the platform ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..adapter import CancelOptions, CancelRestock
from ..cancellation import CancelEffect, cancel_effect
from ..models import Order
from .output import money

__all__ = ["CancelPreview", "cancel_preview"]

_RESTOCK_WORD = {True: "yes", False: "no", None: "the platform decides"}


@dataclass(frozen=True)
class CancelPreview:
    """A cancel's effect with what was asked: rows for the table, data for JSON."""

    order: Order
    options: CancelOptions
    effect: CancelEffect

    def data(self) -> dict[str, Any]:
        """The effect as one JSON object: what was asked (``refund``, ``restock``) and what will
        happen (``payment``, the amounts, ``restocks``: true, false or null when the platform
        decides)."""
        order, options, effect = self.order, self.options, self.effect
        return {
            "action": "orders.cancel",
            "order_id": order.id,
            "number": order.number,
            "status": order.status.value,
            "total": order.total,
            "reason": options.reason,
            "refund": options.refund,
            "restock": options.restock,
            "notify": options.notify,
            "payment": effect.payment,
            "refunded": effect.refunded,
            "kept": effect.kept,
            "voided": effect.voided,
            "restocks": effect.restock,
            "restock_note": effect.restock_note,
        }

    def rows(self) -> list[tuple[str, str]]:
        """The Effect table: order, reason, each money movement, stock, notification."""
        effect = self.effect
        rows = [
            ("cancel order", self.order.number or self.order.id),
            ("reason", self.options.reason),
        ]
        if effect.refunded.amount:
            rows.append(("refund", f"{money(effect.refunded)} (captured payments)"))
        if effect.kept.amount:
            rows.append(("keep", f"{money(effect.kept)} captured, not refunded (add --refund)"))
        if effect.voided.amount:
            rows.append(
                (
                    "void",
                    f"{money(effect.voided)} authorized, never captured: the authorization is "
                    "voided, nothing is refunded",
                )
            )
        if effect.payment == "none":
            rows.append(("payments", "nothing captured or authorized: no money moves"))
        note = effect.restock_note
        word = _RESTOCK_WORD[effect.restock]
        rows.append(
            ("restock items", word if note in ("asked", "not asked") else f"{word}: {note}")
        )
        rows.append(("notify customer", "yes" if self.options.notify else "no"))
        return rows


def cancel_preview(order: Order, options: CancelOptions, rule: CancelRestock) -> CancelPreview:
    """The preview of cancelling ``order`` with ``options`` on a platform whose cancel restocks
    by ``rule``."""
    return CancelPreview(order, options, cancel_effect(order, options, rule))

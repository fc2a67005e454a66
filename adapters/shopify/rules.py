"""Shopify platform rules: what both dialects (and the emulator) read.

- refunds: which restock type fits which units (:data:`RESTOCK_POLICY`), which restock types
  move stock, and so need a location (:data:`RESTOCKING`), and what a refund cannot carry
  (:func:`refund_problems`);
- fulfillment orders: the statuses in which a fulfillment order still holds units
  (:data:`LIVE_FULFILLMENT_ORDER_STATUSES`) and Shopify's hold reasons (:data:`HOLD_REASONS`);
- returns: every move of a return's lifecycle (:data:`RETURN_MOVES`) and, by status, the moves
  it allows (:data:`RETURN_TRANSITIONS`).

Statuses are spelled as REST spells them (lower case); GraphQL spells the same words in upper case.
Decisions the documentation leaves open are marked INFERRED.
"""

from __future__ import annotations

from unified_orders.adapter import RestockPolicy, ReturnAction
from unified_orders.errors import Problem
from unified_orders.models import HoldReason, RefundRequest, Restock

__all__ = [
    "HOLD_REASONS",
    "HOLD_REASON_NAMES",
    "LIVE_FULFILLMENT_ORDER_STATUSES",
    "RESTOCKING",
    "RESTOCK_POLICY",
    "RETURN_MOVES",
    "RETURN_STATUSES",
    "RETURN_TRANSITIONS",
    "refund_problems",
]

#: Shopify allows ``cancel`` only for unfulfilled units, ``return`` only for fulfilled ones,
#: ``no_restock`` always, and needs a location for both restocking types. Shopify draws no line
#: between digital and physical goods for restocking, so digital lines follow the fulfilled rule.
RESTOCK_POLICY = RestockPolicy(
    unfulfilled=frozenset({Restock.NO_RESTOCK, Restock.CANCEL}),
    fulfilled=frozenset({Restock.NO_RESTOCK, Restock.RETURN}),
    fulfilled_digital=frozenset({Restock.NO_RESTOCK, Restock.RETURN}),
    location_required=frozenset({Restock.CANCEL, Restock.RETURN}),
    infer_unfulfilled=Restock.CANCEL,
    infer_fulfilled=Restock.NO_RESTOCK,
)

#: Restock types that move stock, and so need a ``location_id``.
RESTOCKING = (Restock.CANCEL, Restock.RETURN)


def refund_problems(request: RefundRequest) -> list[Problem]:
    """What Shopify cannot take, found before any request: a line item named twice.

    INFERRED: a refund names each line item once (``refund_line_items`` with one restock type
    each); the units of a line with both unfulfilled and fulfilled units are refunded together
    with ``no_restock`` (which fits both), or in two refunds.
    """
    counts: dict[str, int] = {}
    for line in request.lines:
        counts[line.line_id] = counts.get(line.line_id, 0) + 1
    return [
        Problem(
            f"lines[{index}].line_id",
            f"Shopify refunds each line item once per refund; line {line.line_id!r} is given "
            f"{counts[line.line_id]} times: refund its units together with restock no_restock, "
            "or in two refunds",
        )
        for index, line in enumerate(request.lines)
        if counts[line.line_id] > 1
    ]


#: Fulfillment order statuses in which the order still holds units to ship (its assigned location
#: is where those units' stock lives).
LIVE_FULFILLMENT_ORDER_STATUSES = ("open", "in_progress", "scheduled", "on_hold", "incomplete")

#: Shopify's name (REST spelling) of each canonical hold reason; the names are the same words.
HOLD_REASON_NAMES: dict[HoldReason, str] = {reason: reason.value for reason in HoldReason}
#: The canonical hold reason of each Shopify hold reason name (REST spelling).
HOLD_REASONS: dict[str, HoldReason] = {reason.value: reason for reason in HoldReason}

#: A return's statuses (GraphQL ``ReturnStatus``).
RETURN_STATUSES = ("REQUESTED", "OPEN", "CLOSED", "DECLINED", "CANCELED")

#: Each move of a return's lifecycle: the statuses it may start from and the status it leads to
#: (INFERRED from the mutation docs: approve/decline a REQUESTED return; close an OPEN one; reopen
#: a CLOSED one; cancel before any work was done, i.e. REQUESTED or OPEN with nothing processed).
RETURN_MOVES: dict[ReturnAction, tuple[tuple[str, ...], str]] = {
    ReturnAction.APPROVE: (("REQUESTED",), "OPEN"),
    ReturnAction.DECLINE: (("REQUESTED",), "DECLINED"),
    ReturnAction.CLOSE: (("OPEN",), "CLOSED"),
    ReturnAction.REOPEN: (("CLOSED",), "OPEN"),
    ReturnAction.CANCEL: (("REQUESTED", "OPEN"), "CANCELED"),
}

#: The moves each return status allows (derived from :data:`RETURN_MOVES`).
RETURN_TRANSITIONS: dict[str, tuple[ReturnAction, ...]] = {
    status: tuple(action for action, (sources, _) in RETURN_MOVES.items() if status in sources)
    for status in RETURN_STATUSES
}

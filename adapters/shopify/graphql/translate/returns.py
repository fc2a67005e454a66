"""GraphQL returns -> canonical, and return line inputs from canonical return requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.models import Return, ReturnLine, ReturnLineStatus, ReturnRequest, ReturnStatus

from ...vocabulary import parse_time
from .values import legacy, nodes

__all__ = ["RETURN_STATUS", "line_status", "return_from_graphql", "return_line_inputs"]

#: GraphQL ``ReturnStatus`` as the canonical status.
RETURN_STATUS = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "OPEN": ReturnStatus.OPEN,
    "CLOSED": ReturnStatus.CLOSED,
    "DECLINED": ReturnStatus.DECLINED,
    "CANCELED": ReturnStatus.CANCELED,
}


#: A return line's status from its return's, while it has unprocessed units.
_LINE_STATUS = {
    "REQUESTED": ReturnLineStatus.REQUESTED,
    "OPEN": ReturnLineStatus.OPEN,
    "DECLINED": ReturnLineStatus.DECLINED,
    "CANCELED": ReturnLineStatus.CANCELED,
}


def line_status(return_status: str, quantity: int, processed: int) -> ReturnLineStatus:
    """Shopify has no return line states, only processed quantities: a line whose units are all
    processed is ``processed``; otherwise it is where its return is (a line of a return closed
    with units unprocessed is ``unknown``: Shopify does not say where they went)."""
    if quantity > 0 and processed >= quantity:
        return ReturnLineStatus.PROCESSED
    return _LINE_STATUS.get(return_status, ReturnLineStatus.UNKNOWN)


def return_from_graphql(node: Mapping[str, Any]) -> Return:
    """A canonical Return from a GraphQL ``Return``: each line's ``line_id`` is the order line its
    fulfillment line item ships; ``reason`` is ``returnReasonNote``, ``note`` ``customerNote``;
    ``processed_quantity`` is ``processedQuantity`` and the status follows from it
    (:func:`line_status`)."""
    status = str(node.get("status") or "")
    lines = []
    for row in nodes(node.get("returnLineItems")):
        fli = row.get("fulfillmentLineItem") or {}
        quantity = int(row.get("quantity") or 0)
        processed = int(row.get("processedQuantity") or 0)
        lines.append(
            ReturnLine.trusted(
                id=legacy(row["id"]) or "",
                line_id=legacy((fli.get("lineItem") or {}).get("id")) or "",
                quantity=quantity,
                reason=row.get("returnReasonNote") or None,
                note=row.get("customerNote") or None,
                status=line_status(status, quantity, processed),
                platform_status=status or None,
                processed_quantity=processed,
                raw=dict(row),
            )
        )
    return Return.trusted(
        id=legacy(node["id"]) or "",
        order_id=legacy((node.get("order") or {}).get("id")) or "",
        status=RETURN_STATUS.get(status, ReturnStatus.UNKNOWN),
        platform_status=status or None,
        name=node.get("name"),
        lines=lines,
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )


def return_line_inputs(
    request: ReturnRequest, returnable: Mapping[str, list[tuple[str, int]]], *, requested: bool
) -> list[dict[str, Any]]:
    """Return line inputs: each canonical line's units taken from the line's returnable
    fulfillment line items (``returnable``: order line id -> ``[(FLI gid, units)]``).

    Raises InvalidRequest, naming the line, when a line has fewer fulfilled units left to return
    than asked (nothing unfulfilled can be returned; units already in a return are taken).
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, wanted in enumerate(request.lines):
        available = returnable.get(wanted.line_id, [])
        total = sum(units for _, units in available)
        if total < wanted.quantity:
            what = (
                "has nothing fulfilled to return"
                if total == 0
                else f"has only {total} fulfilled unit(s) left to return"
            )
            problems.append(
                Problem(
                    f"lines[{index}].quantity",
                    f"line {wanted.line_id} {what} (asked for {wanted.quantity}); units not yet "
                    "fulfilled cannot be returned, refund them instead, and units already in an "
                    "open or requested return are taken",
                )
            )
            continue
        left = wanted.quantity
        text = "; ".join(x for x in (wanted.reason, wanted.note) if x) or None
        for fli, units in available:
            if left <= 0:
                break
            take = min(units, left)
            left -= take
            row: dict[str, Any] = {"fulfillmentLineItemId": fli, "quantity": take}
            if text is not None:
                row["customerNote" if requested else "returnReasonNote"] = text
            rows.append(row)
    if problems:
        raise InvalidRequest(problems, operation="return")
    return rows

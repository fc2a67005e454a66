"""Parsing line selections and shipping from the command line (and from bulk CSV cells).

``--line LINE_ID:QTY[:RESTOCK[:LOCATION]][@AMOUNT]`` for refunds (``@AMOUNT``: refund the units
for that amount, tax included, instead of their price), ``--line LINE_ID:QTY[:REASON]`` for
returns, ``--line FO_LINE_ID:QTY`` for fulfillment requests and moves; ``--shipping full|AMOUNT``
and ``--amount AMOUNT``. A colon followed by ``//`` belongs to the id, so Shopify GIDs work:
``--line gid://shopify/LineItem/1:2:return:gid://shopify/Location/5@10.00``; the amount is what
follows the last ``@`` (no id contains one).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..models import (
    RefundLineRequest,
    Restock,
    ReturnLineRequest,
    ShippingRefund,
)
from .errors import CliError, ExitCode

__all__ = [
    "parse_amount",
    "parse_quantity",
    "parse_refund_line",
    "parse_restock",
    "parse_return_line",
    "parse_shipping",
    "parse_unit_lines",
    "split_line",
]

_SEPARATOR = re.compile(r":(?!//)")
_RESTOCK_ALIASES = {
    "no_restock": Restock.NO_RESTOCK,
    "no-restock": Restock.NO_RESTOCK,
    "none": Restock.NO_RESTOCK,
    "cancel": Restock.CANCEL,
    "return": Restock.RETURN,
}


def _usage(message: str) -> CliError:
    return CliError(message, ExitCode.USAGE)


def split_line(text: str) -> list[str]:
    """Split ``ID:QTY:...`` on colons that are not part of a ``scheme://`` id."""
    return [part.strip() for part in _SEPARATOR.split(text.strip())]


def parse_quantity(text: str, what: str) -> int:
    """A whole number of units, at least 1."""
    try:
        quantity = int(text)
    except ValueError:
        raise _usage(f"{what}: quantity {text!r} is not a whole number") from None
    if quantity < 1:
        raise _usage(f"{what}: quantity must be at least 1, got {quantity}")
    return quantity


def parse_restock(text: str, what: str) -> Restock | None:
    """``no_restock``, ``cancel`` or ``return`` (empty: let the library infer it)."""
    if not text:
        return None
    try:
        return _RESTOCK_ALIASES[text.lower()]
    except KeyError:
        raise _usage(f"{what}: restock {text!r} is not one of no_restock, cancel, return") from None


def parse_amount(text: str, what: str) -> Decimal:
    """A positive exact decimal amount (``4.99``); never a float."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise _usage(f"{what}: {text.strip()!r} is not an amount such as 4.99") from None
    if not amount.is_finite() or amount <= 0:
        raise _usage(f"{what}: the amount must be a positive number")
    return amount


def parse_refund_line(text: str) -> RefundLineRequest:
    """``LINE_ID:QTY[:RESTOCK[:LOCATION]][@AMOUNT]``."""
    what = f"--line {text!r}"
    units, at, amount_text = text.rpartition("@")
    if not at:
        units, amount_text = amount_text, ""
    parts = split_line(units)
    if len(parts) < 2 or len(parts) > 4 or not parts[0] or (at and not amount_text.strip()):
        raise _usage(f"{what}: expected LINE_ID:QTY[:RESTOCK[:LOCATION]][@AMOUNT]")
    restock = parse_restock(parts[2], what) if len(parts) > 2 else None
    location = parts[3] if len(parts) > 3 and parts[3] else None
    return RefundLineRequest(
        line_id=parts[0],
        quantity=parse_quantity(parts[1], what),
        restock=restock,
        location_id=location,
        amount=parse_amount(amount_text, what) if at else None,
    )


def parse_return_line(text: str) -> ReturnLineRequest:
    """``LINE_ID:QTY[:REASON]``."""
    what = f"--line {text!r}"
    parts = split_line(text)
    if len(parts) < 2 or len(parts) > 3 or not parts[0]:
        raise _usage(f"{what}: expected LINE_ID:QTY[:REASON]")
    reason = parts[2] if len(parts) > 2 and parts[2] else None
    return ReturnLineRequest(
        line_id=parts[0], quantity=parse_quantity(parts[1], what), reason=reason
    )


def parse_unit_lines(texts: list[str]) -> dict[str, int] | None:
    """``FO_LINE_ID:QTY`` options as a mapping (None when there are none: all lines)."""
    if not texts:
        return None
    lines: dict[str, int] = {}
    for text in texts:
        what = f"--line {text!r}"
        parts = split_line(text)
        if len(parts) != 2 or not parts[0]:
            raise _usage(f"{what}: expected FULFILLMENT_ORDER_LINE_ID:QTY")
        if parts[0] in lines:
            raise _usage(f"{what}: line {parts[0]!r} given twice")
        lines[parts[0]] = parse_quantity(parts[1], what)
    return lines


def parse_shipping(text: str | None) -> ShippingRefund | None:
    """``full`` (all remaining shipping) or an exact decimal amount; never a float."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.lower() == "full":
        return ShippingRefund(full=True)
    try:
        Decimal(value)
    except InvalidOperation:
        raise _usage(f"--shipping {text!r}: expected 'full' or an amount such as 4.99") from None
    return ShippingRefund(amount=parse_amount(value, f"--shipping {text!r}"))

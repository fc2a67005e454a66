"""Refunds and shipments carried onto a migrated order, as the target's own objects.

Where the target can create refunds, each source refund becomes a refund of the same lines and
amount on the migrated order (a refunded order arrives refunded, not with a status word); where
it can create fulfillments, the shipped units are shipped with their tracking. Neither notifies
the customer or moves stock (no restock). Each write is exactly once with a key derived from the
order's marker, so a resumed run finds what an interrupted one wrote instead of writing it again.
What the target cannot take is returned in words, never dropped silently.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from ..capabilities import Capability
from ..errors import AmbiguousWrite, UnifiedOrdersError, UnsupportedOperation
from ..models import (
    LineItem,
    Order,
    Refund,
    RefundLineRequest,
    RefundRequest,
    RefundStatus,
    Restock,
    ShippingRefund,
    Tracking,
)
from ..options import SourceMarker
from ..store import Store

__all__ = ["carry_fulfillments", "carry_refunds", "line_pairs"]


def line_pairs(source: Order, target: Order) -> dict[str, LineItem]:
    """Source line id -> the target line made from it (lines kept in order, empty ones
    skipped, as every target's create makes them)."""
    kept = [line for line in source.lines if line.current_quantity > 0]
    made = [line for line in target.lines if line.current_quantity > 0]
    return {a.id: b for a, b in zip(kept, made, strict=False)}


def _refund_request(refund: Refund, pairs: dict[str, LineItem], currency: str) -> RefundRequest:
    lines = [
        RefundLineRequest(
            line_id=pairs[line.line_id].id,
            quantity=line.quantity,
            restock=Restock.NO_RESTOCK,
        )
        for line in refund.lines
        if line.line_id in pairs and line.quantity > 0
    ]
    shipping = None
    if refund.shipping is not None and not refund.shipping.amount.is_zero():
        shipping = ShippingRefund(amount=refund.shipping.amount.amount)
    if not lines and shipping is None:
        return RefundRequest(amount=refund.total.amount, currency=currency)
    return RefundRequest(lines=lines, shipping=shipping)


def carry_refunds(
    target: Store, source: Order, created: Order, marker: SourceMarker
) -> tuple[Order, list[str]]:
    """Each source refund made again on the migrated order (key ``<marker>-r<n>``); the order
    read again, and what could not be carried."""
    refunds = [r for r in source.refunds if r.status is not RefundStatus.FAILURE]
    if not refunds:
        return created, []
    if Capability.REFUNDS_CREATE not in target.capabilities:
        total = sum((r.total.amount for r in refunds), Decimal(0))
        return created, [f"refunds: {len(refunds)} ({total} {source.currency}), no refund writes"]
    pairs = line_pairs(source, created)
    done = {r.idempotency_key for r in created.refunds if r.idempotency_key}
    lost: list[str] = []
    wrote = False
    for index, refund in enumerate(refunds):
        key = f"{marker.value}-r{index + 1}"
        if key in done:
            continue
        request = _refund_request(refund, pairs, created.currency)
        try:
            preview = target.refunds.calculate(created.id, request)
            target.refunds.create(
                created.id, preview, note=refund.note or "migrated refund", idempotency_key=key
            )
            wrote = True
        except AmbiguousWrite:
            raise
        except UnifiedOrdersError as error:
            lost.append(f"refund {refund.id} ({refund.total}): {error}")
    if wrote:
        created = target.orders.get(created.id)
    return created, lost


def _short(text: str) -> str:
    """8 hex digits of ``text`` (keys stay within the 64 characters a key may have)."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _tracking(source: Order) -> list[Tracking]:
    seen: list[Tracking] = []
    for fulfillment in source.fulfillments:
        for track in fulfillment.tracking:
            if track not in seen:
                seen.append(track)
    return seen


def carry_fulfillments(
    target: Store, source: Order, created: Order, marker: SourceMarker
) -> tuple[Order, list[str]]:
    """The source's shipped units shipped on the migrated order, with the source's tracking
    (key ``<marker>-f<hash of the fulfillment order id>``); the order read again, and what was
    not carried. Run before the refunds: a unit shipped then refunded must ship first."""
    pairs = line_pairs(source, created)
    wanted = {
        pairs[line.id].id: line.fulfilled_quantity - pairs[line.id].fulfilled_quantity
        for line in source.lines
        if line.id in pairs and line.fulfilled_quantity > pairs[line.id].fulfilled_quantity
    }
    if not wanted:
        return created, []
    units = sum(wanted.values())
    if Capability.FULFILLMENTS_CREATE not in target.capabilities:
        return created, [f"fulfillments: {units} shipped units (the target cannot ship)"]
    tracking = _tracking(source)
    lost: list[str] = []
    wrote = False
    try:
        orders = target.fulfillments.list(created.id)
        for fo in orders:
            lines: dict[str, int] = {}
            for fo_line in fo.lines:
                take = min(wanted.get(fo_line.line_id, 0), fo_line.fulfillable_quantity)
                if take > 0:
                    lines[fo_line.id] = take
                    wanted[fo_line.line_id] -= take
            if lines:
                key = f"{marker.value}-f{_short(fo.id)}"
                try:
                    target.fulfillments.create(
                        fo.id, lines=lines, tracking=tracking, notify=False, idempotency_key=key
                    )
                except UnsupportedOperation:
                    # a target keeping tracking numbers only (Shopware) ships with those
                    numbers = [Tracking(number=t.number) for t in tracking if t.number]
                    if numbers == tracking:
                        raise
                    target.fulfillments.create(
                        fo.id, lines=lines, tracking=numbers, notify=False, idempotency_key=key
                    )
                    lost.append("tracking companies and links (the target keeps numbers only)")
                wrote = True
    except AmbiguousWrite:
        raise
    except UnifiedOrdersError as error:
        lost.append(f"fulfillments: {error}")
    left = sum(wanted.values())
    if left and not any(x.startswith("fulfillments") for x in lost):
        lost.append(f"fulfillments: {left} shipped units found no open fulfillment order line")
    if wrote:
        created = target.orders.get(created.id)
    return created, lost

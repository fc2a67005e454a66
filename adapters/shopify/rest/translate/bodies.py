"""REST request bodies from canonical input: orders, refunds, cancels, fulfillment-order moves.

Ids are sent as JSON integers; money as decimal strings (refund transaction amounts as exact JSON
numbers). The legacy refund-level ``restock`` flag is never sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from unified_orders.keys import note_with_key
from unified_orders.models import HoldReason, Order, RefundCalculation, RefundRequest
from unified_orders.options import SourceMarker

from ... import mapping
from ...rules import HOLD_REASON_NAMES
from ...vocabulary import numeric_id
from .refunds import suggested_total
from .values import address_body

__all__ = [
    "CANCEL_REASONS",
    "cancel_body",
    "fo_lines_body",
    "hold_body",
    "line_items_body",
    "order_body",
    "refund_body",
    "refund_request_body",
]

#: Reasons REST ``orders/{id}/cancel.json`` accepts.
CANCEL_REASONS = ("customer", "inventory", "fraud", "declined", "other")


def order_body(order: Order, marker: SourceMarker | None = None) -> dict[str, Any]:
    """The body of ``POST orders.json`` for migrating a canonical order (see
    :class:`~unified_orders_adapters.shopify.mapping.MigratedOrder`); a migration ``marker`` is
    its ``source_identifier`` plus the ``uo-migrated`` tag."""
    plan = mapping.migrated_order(order)
    line_items = []
    for line in plan.lines:
        item: dict[str, Any] = {
            "title": line.title,
            "quantity": line.quantity,
            "price": str(line.price),
            "requires_shipping": line.requires_shipping,
        }
        if line.sku is not None:
            item["sku"] = line.sku
        if line.variant_id is not None:
            item["variant_id"] = int(line.variant_id)
        if line.discount is not None:
            item["total_discount"] = str(line.discount)
        if line.tax is not None:
            tax_line: dict[str, Any] = {"title": "Tax", "price": str(line.tax)}
            if line.tax_rate is not None:
                tax_line["rate"] = Decimal(line.tax_rate)
            item["tax_lines"] = [tax_line]
        line_items.append(item)
    body: dict[str, Any] = {
        "currency": plan.currency,
        "line_items": line_items,
        "taxes_included": plan.taxes_included,
        "send_receipt": False,
        "send_fulfillment_receipt": False,
        "inventory_behaviour": "bypass",
    }
    if marker is not None:
        body["source_identifier"] = marker.value
        body["tags"] = "uo-migrated"
    if plan.email is not None:
        body["email"] = plan.email
    if plan.name is not None:
        body["name"] = plan.name
    if plan.note is not None:
        body["note"] = plan.note
    if plan.processed_at is not None:
        body["processed_at"] = plan.processed_at
    if plan.shipping_address is not None:
        body["shipping_address"] = address_body(plan.shipping_address)
    if plan.billing_address is not None:
        body["billing_address"] = address_body(plan.billing_address)
    if plan.shipping is not None:
        shipping_line: dict[str, Any] = {"title": "Shipping", "price": str(plan.shipping)}
        tax = plan.shipping_tax
        if tax is not None:
            shipping_line["tax_lines"] = [{"title": "Tax", "price": str(tax[0]), "rate": tax[1]}]
        body["shipping_lines"] = [shipping_line]
    if plan.payments:
        body["transactions"] = [
            {
                "kind": "sale",
                "status": "success",
                "amount": str(payment.amount),
                "gateway": payment.gateway,
            }
            for payment in plan.payments
        ]
        body["financial_status"] = "paid"
    else:
        body["financial_status"] = "pending"
    return {"order": body}


def line_items_body(request: RefundRequest) -> list[dict[str, Any]]:
    """``refund_line_items`` from prepared request lines; ``location_id`` only where stock moves.

    Raises InvalidRequest when a restocking line has no location (see
    :func:`~unified_orders_adapters.shopify.mapping.refund_rows`).
    """
    rows: list[dict[str, Any]] = []
    for row in mapping.refund_rows(request):
        item: dict[str, Any] = {
            "line_item_id": row.line_id,
            "quantity": row.quantity,
            "restock_type": row.restock.value,
        }
        if row.location_id is not None:
            item["location_id"] = row.location_id
        rows.append(item)
    return rows


def _shipping_body(request: RefundRequest) -> dict[str, Any] | None:
    if request.shipping is None:
        return None
    if request.shipping.full:
        return {"full_refund": True}
    return {"amount": request.shipping.amount}


def refund_request_body(request: RefundRequest, currency: str) -> dict[str, Any]:
    """The body of ``POST orders/{id}/refunds/calculate.json``."""
    body: dict[str, Any] = {"currency": currency}
    shipping = _shipping_body(request)
    if shipping is not None:
        body["shipping"] = shipping
    rows = line_items_body(request)
    if rows:
        body["refund_line_items"] = rows
    return {"refund": body}


def refund_body(
    calculation: RefundCalculation,
    currency: str,
    *,
    notify: bool,
    note: str | None,
    discrepancy_reason: str | None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The body of ``POST orders/{id}/refunds.json``: suggested transactions become
    ``kind: "refund"`` with ``parent_id``, ``amount`` and ``gateway``; ``currency`` and ``notify``
    are always sent.

    REST has no idempotency key for refunds, so ``idempotency_key`` travels as a marker at the end
    of ``note`` (``[uo:KEY]``), which the refund keeps and the translator reads back.
    ``discrepancy_reason`` is sent when the allocations pay back less than Shopify calculated.
    """
    request = calculation.request
    body: dict[str, Any] = {"currency": currency, "notify": notify}
    if idempotency_key:
        note = note_with_key(note, idempotency_key)
    if note:
        body["note"] = note
    shipping = _shipping_body(request)
    if shipping is not None:
        body["shipping"] = shipping
    lines = [mapping.request_line_from(calc_line, request) for calc_line in calculation.lines]
    rows = line_items_body(request.model_copy(update={"lines": lines}))
    if rows:
        body["refund_line_items"] = rows
    body["transactions"] = [
        {
            "parent_id": numeric_id(a.transaction_id, f"transactions[{i}].transaction_id"),
            "amount": a.amount.amount,
            "kind": "refund",
            "gateway": a.gateway,
        }
        for i, a in enumerate(calculation.transactions)
    ]
    paying_less = mapping.pays_less_than_suggested(calculation, suggested_total(calculation))
    if discrepancy_reason and paying_less:
        body["discrepancy_reason"] = discrepancy_reason
    return {"refund": body}


def cancel_body(reason: str, notify: bool, refund: Mapping[str, Any] | None) -> dict[str, Any]:
    """The body of ``POST orders/{id}/cancel.json`` (``email`` is Shopify's notify flag)."""
    body: dict[str, Any] = {"reason": reason, "email": notify}
    if refund is not None:
        body["refund"] = dict(refund)
    return body


def fo_lines_body(lines: Mapping[str, int] | None) -> list[dict[str, Any]] | None:
    """``fulfillment_order_line_items`` from ``{fo line id: quantity}``; None for all lines."""
    if lines is None:
        return None
    return [
        {"id": numeric_id(key, f"lines[{key}]"), "quantity": quantity}
        for key, quantity in lines.items()
    ]


def hold_body(
    reason: HoldReason,
    note: str | None,
    *,
    notify_merchant: bool,
    lines: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The body of ``POST fulfillment_orders/{id}/hold.json``."""
    hold: dict[str, Any] = {"reason": HOLD_REASON_NAMES[reason]}
    if note:
        hold["reason_notes"] = note
    hold["notify_merchant"] = notify_merchant
    items = fo_lines_body(lines)
    if items is not None:
        hold["fulfillment_order_line_items"] = items
    return {"fulfillment_hold": hold}

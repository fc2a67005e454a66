"""GraphQL variables and inputs from canonical input: addresses, refunds, migrated orders.

Ids go out as GIDs, enums in upper case, money as decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from unified_orders.keys import note_with_key
from unified_orders.models import (
    Address,
    HoldReason,
    Money,
    Order,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    Restock,
)
from unified_orders.options import SourceMarker

from ... import mapping
from ...rules import HOLD_REASON_NAMES
from .refunds import suggested_total
from .values import gid

__all__ = [
    "CANCEL_REASONS",
    "address_input",
    "hold_reason",
    "money_input",
    "order_create_variables",
    "refund_input",
    "refund_line_request",
    "suggested_refund_variables",
]

#: Canonical cancel reasons accepted by ``orderCancel`` (``OrderCancelReason``, lower case).
CANCEL_REASONS = ("customer", "declined", "fraud", "inventory", "staff", "other")


def address_input(address: Address) -> dict[str, Any]:
    """A ``MailingAddressInput`` with the fields the canonical address sets (never the
    deprecated ``country``/``province``)."""
    fields = {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "provinceCode": address.province_code,
        "zip": address.postal_code,
        "countryCode": address.country_code.upper() if address.country_code else None,
        "phone": address.phone,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _line_inputs(request: RefundRequest) -> list[dict[str, Any]]:
    """``RefundLineItemInput`` rows (a location wherever stock moves, see
    :func:`~unified_orders_adapters.shopify.mapping.refund_rows`)."""
    rows: list[dict[str, Any]] = []
    for row in mapping.refund_rows(request):
        item: dict[str, Any] = {
            "lineItemId": gid("LineItem", str(row.line_id)),
            "quantity": row.quantity,
            "restockType": row.restock.value.upper(),
        }
        if row.location_id is not None:
            item["locationId"] = gid("Location", str(row.location_id))
        rows.append(item)
    return rows


def suggested_refund_variables(order: Order, request: RefundRequest) -> dict[str, Any]:
    """Variables of ``SuggestedRefund`` for a prepared request."""
    variables: dict[str, Any] = {"id": gid("Order", order.id, "order_id")}
    rows = _line_inputs(request)
    if rows:
        variables["refundLineItems"] = rows
    if request.shipping is not None:
        if request.shipping.full:
            variables["refundShipping"] = True
        else:
            variables["shippingAmount"] = str(request.shipping.amount)
    return variables


def refund_input(
    calculation: RefundCalculation,
    order: Order,
    *,
    notify: bool,
    note: str | None,
    discrepancy_reason: str | None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """``RefundInput`` for a calculation: suggested transactions become ``kind: REFUND`` with
    ``orderId``, ``parentId``, ``amount`` and ``gateway``; ``currency`` (presentment) and ``notify``
    always; ``discrepancyReason`` when the allocations pay back less than suggested.

    ``idempotency_key`` also travels as a marker at the end of ``note`` (``[uo:KEY]``): no
    ``Refund`` field shows the ``@idempotent`` key (and how long Shopify remembers one is not
    documented), while the note stays on the refund, so a re-read (by this or any later process)
    finds the refund by its key.
    """
    if idempotency_key:
        note = note_with_key(note, idempotency_key)
    request = calculation.request
    lines = [mapping.request_line_from(x, request) for x in calculation.lines]
    order_gid = gid("Order", order.id, "order_id")
    body: dict[str, Any] = {
        "orderId": order_gid,
        "currency": (request.currency or order.currency).upper(),
        "notify": notify,
    }
    if note:
        body["note"] = note
    if request.shipping is not None:
        body["shipping"] = (
            {"fullRefund": True}
            if request.shipping.full
            else {"amount": str(request.shipping.amount)}
        )
    rows = _line_inputs(request.model_copy(update={"lines": lines}))
    if rows:
        body["refundLineItems"] = rows
    body["transactions"] = [
        {
            "orderId": order_gid,
            "parentId": gid("OrderTransaction", a.transaction_id, f"transactions[{i}]"),
            "amount": str(a.amount.amount),
            "gateway": a.gateway or "",
            "kind": "REFUND",
        }
        for i, a in enumerate(calculation.transactions)
    ]
    paying_less = mapping.pays_less_than_suggested(calculation, suggested_total(calculation))
    if discrepancy_reason and paying_less:
        body["discrepancyReason"] = discrepancy_reason.upper()
    return body


def order_create_variables(order: Order, marker: SourceMarker | None = None) -> dict[str, Any]:
    """Variables of ``OrderCreate`` for migrating a canonical order (see
    :class:`~unified_orders_adapters.shopify.mapping.MigratedOrder`); a migration ``marker`` is
    its ``sourceIdentifier`` (searchable as ``source_identifier:``) plus the ``uo-migrated`` tag.

    INFERRED: amounts are sent as ``shopMoney`` in the order's (presentment) currency, which
    becomes the order's currency; Shopify derives the other side of each bag.
    """
    plan = mapping.migrated_order(order)
    currency = plan.currency

    def bag(amount: Decimal) -> dict[str, Any]:
        return {"shopMoney": {"amount": str(amount), "currencyCode": currency}}

    items: list[dict[str, Any]] = []
    for line in plan.lines:
        item: dict[str, Any] = {
            "title": line.title,
            "quantity": line.quantity,
            "priceSet": bag(line.price),
            "requiresShipping": line.requires_shipping,
        }
        if line.sku is not None:
            item["sku"] = line.sku
        if line.variant_id is not None:
            item["variantId"] = gid("ProductVariant", line.variant_id)
        if line.tax is not None:
            item["taxLines"] = [
                {"title": "Tax", "rate": line.tax_rate or "0", "priceSet": bag(line.tax)}
            ]
        items.append(item)
    data: dict[str, Any] = {
        "currency": currency,
        "lineItems": items,
        "taxesIncluded": plan.taxes_included,
        "financialStatus": "PAID" if plan.payments else "PENDING",
    }
    if plan.email is not None:
        data["email"] = plan.email
    if plan.name is not None:
        data["name"] = plan.name
    if plan.note is not None:
        data["note"] = plan.note
    if plan.processed_at is not None:
        data["processedAt"] = plan.processed_at
    if plan.shipping_address is not None:
        data["shippingAddress"] = address_input(plan.shipping_address)
    if plan.billing_address is not None:
        data["billingAddress"] = address_input(plan.billing_address)
    if plan.shipping is not None:
        shipping_line: dict[str, Any] = {"title": "Shipping", "priceSet": bag(plan.shipping)}
        tax = plan.shipping_tax
        if tax is not None:
            shipping_line["taxLines"] = [{"title": "Tax", "rate": tax[1], "priceSet": bag(tax[0])}]
        data["shippingLines"] = [shipping_line]
    if plan.payments:
        data["transactions"] = [
            {
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": payment.gateway,
                "amountSet": bag(payment.amount),
            }
            for payment in plan.payments
        ]
    if marker is not None:
        data["sourceIdentifier"] = marker.value
        data["tags"] = ["uo-migrated"]
    options = {
        "sendReceipt": False,
        "sendFulfillmentReceipt": False,
        "inventoryBehaviour": "BYPASS",
    }
    return {"order": data, "options": options}


def hold_reason(reason: HoldReason) -> str:
    """``FulfillmentHoldReason`` for a canonical hold reason."""
    return HOLD_REASON_NAMES[reason].upper()


def refund_line_request(line_id: str, quantity: int) -> RefundLineRequest:
    """A no-restock refund line (returned units are restocked through the return, not here)."""
    return RefundLineRequest(line_id=line_id, quantity=quantity, restock=Restock.NO_RESTOCK)


def money_input(amount: Money) -> dict[str, Any]:
    """A ``MoneyInput``."""
    return {"amount": str(amount.amount), "currencyCode": amount.currency}

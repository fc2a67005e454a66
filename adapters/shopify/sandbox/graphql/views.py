"""GraphQL views of the store: ``Order``, ``LineItem``, ``Refund``, ``Fulfillment``,
``FulfillmentOrder``, ``Return`` and ``OrderTransaction`` objects built from REST-shaped state.

A view is a dict the executor projects onto the document's selection; connection and list fields
are callables taking the field's arguments (so nested pages are only built when selected).
:class:`Resolvers` is what the root fields and mutations build on: the state and its views.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import ShopifyError
from ..shipments import tracking_info
from ..state import ShopifyState
from .metafields import order_metafield_view
from .reverse import reverse_orders
from .values import (
    Fail,
    Obj,
    connection,
    first_of,
    gid,
    gid_number,
    mailing_address,
    money_bag,
    paged,
    rest_refund_lines,
    timestamp,
    upper,
    user_errors,
)

__all__ = ["Resolvers", "Views"]


class Views:
    """Builds GraphQL objects from one store's state."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def _bag(self, order: Obj, amount: Any) -> Obj | None:
        return money_bag(self.state.bag(order, Decimal(str(amount if amount is not None else 0))))

    def transaction(self, order: Obj, txn: Obj) -> Obj:
        """An ``OrderTransaction``."""
        return {
            "__typename": "OrderTransaction",
            "id": gid("OrderTransaction", txn["id"]),
            "kind": upper(txn.get("kind")),
            "status": upper(txn.get("status")),
            "gateway": txn.get("gateway"),
            "createdAt": timestamp(txn.get("created_at")),
            "amountSet": self._bag(order, txn.get("amount")),
            "parentTransaction": {"id": gid("OrderTransaction", txn["parent_id"])}
            if txn.get("parent_id")
            else None,
        }

    def line_item(self, order: Obj, line: Obj) -> Obj:
        """A ``LineItem`` (a REST ``total_discount`` reads as one more discount allocation)."""
        allocations = [
            {"allocatedAmountSet": money_bag(a.get("amount_set"))}
            for a in line.get("discount_allocations") or []
        ]
        if Decimal(str(line.get("total_discount") or 0)):
            allocations.insert(0, {"allocatedAmountSet": money_bag(line["total_discount_set"])})
        return {
            "__typename": "LineItem",
            "id": gid("LineItem", line["id"]),
            "name": line.get("name"),
            "title": line.get("title"),
            "sku": line.get("sku"),
            "quantity": line.get("quantity"),
            "currentQuantity": line.get("current_quantity"),
            "requiresShipping": bool(line.get("requires_shipping", True)),
            "isGiftCard": bool(line.get("gift_card")),
            "originalUnitPriceSet": money_bag(line.get("price_set")),
            "discountAllocations": allocations,
            "taxLines": [
                {"rate": t.get("rate"), "priceSet": money_bag(t.get("price_set"))}
                for t in line.get("tax_lines") or []
            ],
            "product": {"id": gid("Product", line["product_id"])}
            if line.get("product_id")
            else None,
            "variant": {"id": gid("ProductVariant", line["variant_id"])}
            if line.get("variant_id")
            else None,
        }

    def refund(self, order: Obj, refund: Obj) -> Obj:
        """A ``Refund`` (shipping refunds are ``refundShippingLines``; only discrepancies are
        ``orderAdjustments`` in GraphQL)."""
        zero = self._bag(order, 0)
        discrepancies = [
            {
                "id": gid("OrderAdjustment", a.get("id")),
                "reason": str(a.get("reason")).upper()
                if str(a.get("reason")).upper() in ("RESTOCK", "DAMAGE", "CUSTOMER")
                else "REFUND_DISCREPANCY",
                "amountSet": money_bag(a.get("amount_set")),
                "taxAmountSet": money_bag(a.get("tax_amount_set")),
            }
            for a in refund.get("order_adjustments") or []
            if a.get("kind") == "refund_discrepancy"
        ]
        lines = [
            {
                "id": gid("RefundLineItem", row.get("id")),
                "quantity": row.get("quantity"),
                "restockType": upper(row.get("restock_type")),
                "location": {"id": gid("Location", row["location_id"])}
                if row.get("location_id")
                else None,
                "lineItem": {"id": gid("LineItem", row["line_item_id"])},
                "subtotalSet": money_bag(row.get("subtotal_set")),
                "totalTaxSet": money_bag(row.get("total_tax_set")),
            }
            for row in refund.get("refund_line_items") or []
        ]
        shipping = [
            {"subtotalAmountSet": money_bag(row.get("subtotal_amount_set")), "taxAmountSet": zero}
            for row in refund.get("refund_shipping_lines") or []
        ]
        txns = [self.transaction(order, t) for t in refund.get("transactions") or []]
        link = refund.get("return")
        return {
            "__typename": "Refund",
            "id": gid("Refund", refund["id"]),
            "note": refund.get("note"),
            "createdAt": timestamp(refund.get("created_at")),
            "refundLineItems": paged(lambda: lines),
            "refundShippingLines": paged(lambda: shipping),
            "orderAdjustments": paged(lambda: discrepancies),
            "transactions": paged(lambda: txns),
            "return": {"id": gid("Return", link["id"])} if isinstance(link, Mapping) else None,
            "order": {
                "id": gid("Order", order["id"]),
                "presentmentCurrencyCode": order.get("presentment_currency"),
                "taxesIncluded": bool(order.get("taxes_included")),
            },
        }

    def fulfillment_line_id(self, fulfillment_id: Any, line_id: Any) -> int:
        """The ``FulfillmentLineItem`` id of a line in a fulfillment."""
        table = self.state.data["fulfillment_line_items"]
        return int(table[str(fulfillment_id)][str(line_id)])

    def fulfillment_items(self, fulfillment: Obj) -> list[Obj]:
        """The ``FulfillmentLineItem``s of a (REST-shaped) fulfillment."""
        return [
            {
                "id": gid(
                    "FulfillmentLineItem", self.fulfillment_line_id(fulfillment["id"], x["id"])
                ),
                "quantity": x.get("quantity"),
                "lineItem": {"id": gid("LineItem", x["id"])},
            }
            for x in fulfillment.get("line_items") or []
        ]

    def fulfillment(self, fulfillment: Obj) -> Obj:
        """A ``Fulfillment`` with its ``FulfillmentLineItem``s."""
        return {
            "__typename": "Fulfillment",
            "id": gid("Fulfillment", fulfillment["id"]),
            "status": upper(fulfillment.get("status")),
            "createdAt": timestamp(fulfillment.get("created_at")),
            "order": {"id": gid("Order", fulfillment["order_id"])},
            "trackingInfo": tracking_info(fulfillment),
            "location": {"id": gid("Location", fulfillment["location_id"])}
            if fulfillment.get("location_id")
            else None,
            "fulfillmentLineItems": paged(lambda: self.fulfillment_items(fulfillment)),
        }

    def fulfillments(self, order: Obj) -> list[Obj]:
        """The order's ``Fulfillment``s."""
        return [self.fulfillment(f) for f in order.get("fulfillments") or []]

    def fulfillment_by_id(self, fulfillment_id: int) -> tuple[Obj, Obj] | None:
        """The order holding a fulfillment and the (REST-shaped) fulfillment, or None."""
        for order in self.state.orders():
            for f in order.get("fulfillments") or []:
                if int(f["id"]) == fulfillment_id:
                    return order, f
        return None

    def fulfillment_order(self, fo: Obj) -> Obj:
        """A ``FulfillmentOrder``."""
        items = [
            {
                "id": gid("FulfillmentOrderLineItem", x["id"]),
                "totalQuantity": x.get("quantity"),
                "remainingQuantity": x.get("fulfillable_quantity"),
                "lineItem": {"id": gid("LineItem", x["line_item_id"])},
            }
            for x in fo.get("line_items") or []
        ]
        fo_id = fo["id"]

        def moves() -> list[Obj]:
            return [
                {
                    "movable": row["movable"],
                    "message": row.get("message") or None,
                    "location": {
                        "id": gid("Location", row["location"]["id"]),
                        "name": row["location"].get("name"),
                    },
                }
                for row in self.state.locations_for_move(fo_id)
            ]

        location = self.state.location(fo["assigned_location_id"]) or {}
        return {
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", fo_id),
            "orderId": gid("Order", fo["order_id"]),
            "order": {
                "id": gid("Order", fo["order_id"]),
                "updatedAt": timestamp(self.state.order(fo["order_id"]).get("updated_at")),
            },
            "status": upper(fo.get("status")),
            "requestStatus": upper(fo.get("request_status")),
            "createdAt": timestamp(fo.get("created_at")),
            "updatedAt": timestamp(fo.get("updated_at") or fo.get("created_at")),
            "assignedLocation": {
                "name": location.get("name") or "",
                "location": {"id": gid("Location", fo["assigned_location_id"])},
            },
            "fulfillmentHolds": [
                {
                    "id": gid("FulfillmentHold", h.get("id")),
                    "reason": upper(h.get("reason")),
                    "reasonNotes": h.get("reason_notes"),
                }
                for h in fo.get("fulfillment_holds") or []
            ],
            "supportedActions": [{"action": a.upper()} for a in self.state.supported_actions(fo)],
            "lineItems": paged(lambda: items),
            "locationsForMove": paged(moves),
        }

    def return_(self, ret: Obj) -> Obj:
        """A ``Return`` (its lines are ``ReturnLineItem``s)."""
        lines = [
            {
                "__typename": "ReturnLineItem",
                "id": gid("ReturnLineItem", row["id"]),
                "quantity": row["quantity"],
                "processedQuantity": row.get("processed_quantity", 0),
                "returnReasonNote": row.get("return_reason_note") or "",
                "customerNote": row.get("customer_note"),
                "fulfillmentLineItem": {
                    "id": gid("FulfillmentLineItem", row["fulfillment_line_item_id"]),
                    "lineItem": {"id": gid("LineItem", row["line_item_id"])},
                },
            }
            for row in ret["line_items"]
        ]
        decline = ret.get("decline")
        return {
            "__typename": "Return",
            "id": gid("Return", ret["id"]),
            "name": ret["name"],
            "status": ret["status"].upper(),
            "createdAt": timestamp(ret.get("created_at")),
            "closedAt": timestamp(ret.get("closed_at")),
            "requestApprovedAt": timestamp(ret.get("request_approved_at")),
            "order": {"id": gid("Order", ret["order_id"])},
            "decline": {"reason": decline["reason"], "note": decline.get("note")}
            if decline
            else None,
            "returnLineItems": paged(lambda: lines),
            "reverseFulfillmentOrders": paged(lambda: reverse_orders(ret)),
        }

    def order(self, order: Obj) -> Obj:
        """An ``Order``."""
        state = self.state
        oid = order["id"]
        display = {None: "UNFULFILLED", "partial": "PARTIALLY_FULFILLED"}
        fulfillment = order.get("fulfillment_status")
        lines = [self.line_item(order, line) for line in order["line_items"]]
        shipping_lines = [
            {
                "id": gid("ShippingLine", s.get("id")),
                "title": s.get("title"),
                "isRemoved": bool(s.get("is_removed")),
                "originalPriceSet": money_bag(s.get("price_set")),
                "discountedPriceSet": money_bag(
                    s.get("discounted_price_set") or s.get("price_set")
                ),
                "taxLines": [
                    {"priceSet": money_bag(t.get("price_set"))} for t in s.get("tax_lines") or []
                ],
            }
            for s in order.get("shipping_lines") or []
        ]

        def shipping(args: Mapping[str, Any]) -> Obj:
            kept = [s for s in shipping_lines if args.get("includeRemovals") or not s["isRemoved"]]
            return connection(kept, args)

        def count(items: list[Any]) -> Obj:
            return {"count": len(items), "precision": "EXACT"}

        def returns() -> list[Obj]:
            if "read_returns" in state.data.get("denied_scopes", ()):
                # INFERRED from Shopify's access-denied errors: a field the app's scopes do not
                # cover fails the query with ACCESS_DENIED and the field's path.
                raise Fail(
                    "Access denied for returns field. Required access: `read_returns` access "
                    "scope.",
                    "ACCESS_DENIED",
                    ["orders", "nodes", "returns"],
                )
            found = [r for r in state.data["returns"].values() if str(r["order_id"]) == str(oid)]
            return [self.return_(r) for r in sorted(found, key=lambda r: int(r["id"]))]

        def suggested(args: Mapping[str, Any]) -> Obj:
            return self._suggested_refund(order, args)

        return {
            "__typename": "Order",
            "id": gid("Order", oid),
            "name": order.get("name"),
            "email": order.get("email"),
            "note": order.get("note"),
            "createdAt": timestamp(order.get("created_at")),
            "updatedAt": timestamp(order.get("updated_at")),
            "cancelledAt": timestamp(order.get("cancelled_at")),
            "cancelReason": upper(order.get("cancel_reason")),
            "closedAt": timestamp(order.get("closed_at")),
            "taxesIncluded": bool(order.get("taxes_included")),
            "currencyCode": order.get("currency"),
            "presentmentCurrencyCode": order.get("presentment_currency"),
            "displayFinancialStatus": upper(order.get("financial_status")),
            "displayFulfillmentStatus": display.get(fulfillment, str(fulfillment).upper()),
            "shippingAddress": mailing_address(order.get("shipping_address")),
            "billingAddress": mailing_address(order.get("billing_address")),
            "subtotalPriceSet": money_bag(order.get("subtotal_price_set")),
            "totalTaxSet": money_bag(order.get("total_tax_set")),
            "totalPriceSet": money_bag(order.get("total_price_set")),
            "totalDiscountsSet": money_bag(order.get("total_discounts_set")),
            "shippingLines": shipping,
            "lineItems": paged(lambda: lines),
            "transactions": first_of(
                lambda: [self.transaction(order, t) for t in state.transactions(oid)]
            ),
            "transactionsCount": count(state.transactions(oid)),
            "fulfillmentsCount": count(order.get("fulfillments") or []),
            "refunds": first_of(
                lambda: [self.refund(order, r) for r in order.get("refunds") or []]
            ),
            "fulfillments": first_of(lambda: self.fulfillments(order)),
            "fulfillmentOrders": paged(
                lambda: [self.fulfillment_order(fo) for fo in state.fulfillment_orders_of(oid)]
            ),
            "returns": paged(returns),
            "suggestedRefund": suggested,
            "metafield": order_metafield_view(state, oid),
        }

    def _suggested_refund(self, order: Obj, args: Mapping[str, Any]) -> Obj:
        body: Obj = {"refund_line_items": rest_refund_lines(args.get("refundLineItems"))}
        if args.get("refundShipping"):
            body["shipping"] = {"full_refund": True}
        elif args.get("shippingAmount") is not None:
            body["shipping"] = {"amount": args["shippingAmount"]}
        try:
            plan = self.state.plan_refund(order["id"], body)
        except ShopifyError as error:
            raise Fail(
                "; ".join(e["message"] for e in user_errors(error, [])),
                "BAD_REQUEST",
                path=["order", "suggestedRefund"],
            ) from None
        zero = Decimal(0)
        rows = plan["rows"]
        subtotal = sum((r["subtotal"] for r in rows), zero)
        tax = sum((r["tax"] for r in rows), zero)
        return {
            "amountSet": self._bag(order, plan["total"]),
            "subtotalSet": self._bag(order, subtotal),
            "totalTaxSet": self._bag(order, tax),
            "shipping": {
                "amountSet": self._bag(order, plan["shipping"]),
                "taxSet": self._bag(order, zero),
                "maximumRefundableSet": self._bag(order, plan["shipping_remaining"]),
            },
            "refundLineItems": [
                {
                    "quantity": r["quantity"],
                    "restockType": r["restock_type"].upper(),
                    "location": {"id": gid("Location", r["location_id"])}
                    if r["location_id"]
                    else None,
                    "lineItem": {"id": gid("LineItem", r["line"]["id"])},
                    "subtotalSet": self._bag(order, r["subtotal"]),
                    "totalTaxSet": self._bag(order, r["tax"]),
                }
                for r in rows
            ],
            "suggestedTransactions": [
                {
                    "kind": "SUGGESTED_REFUND",
                    "gateway": s["gateway"],
                    "amountSet": self._bag(order, s["amount"]),
                    "maximumRefundableSet": self._bag(order, s["maximum_refundable"]),
                    "parentTransaction": {"id": gid("OrderTransaction", s["parent_id"])},
                }
                for s in plan["suggestions"]
            ],
        }


class Resolvers:
    """Root fields or mutations of one kind: the state, its views and the order lookup by GID."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.state = views.state

    def order_by_gid(self, value: Any) -> Obj | None:
        """The order an ``Order`` GID names, or None."""
        oid = gid_number(value, "Order")
        found = self.state.data["orders"].get(str(oid)) if oid is not None else None
        return found if found is not None and self.state.shown(found) else None

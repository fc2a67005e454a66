"""Order mutations: ``orderCreate``, ``orderUpdate``, ``orderCancel`` (a job) and
``refundCreate``, each translating its GraphQL input to the REST-shaped input of the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...rules import LIVE_FULFILLMENT_ORDER_STATUSES
from ..errors import ShopifyError
from .values import (
    REST_ADDRESS_FIELDS,
    Obj,
    UserErrors,
    gid,
    gid_number,
    rest_address,
    rest_refund_lines,
    user_errors,
)
from .views import Resolvers, Views

__all__ = ["OrderResolvers"]


class OrderResolvers(Resolvers):
    """Answers the order mutations from the state."""

    def __init__(self, views: Views) -> None:
        super().__init__(views)
        #: Polls of an ``orderCancel`` job before it reports done.
        self.cancel_job_polls = 1

    def mutations(self) -> dict[str, Callable[[Mapping[str, Any]], Obj]]:
        """The mutations answered here, by GraphQL name."""
        return {
            "orderCreate": self.order_create,
            "orderCancel": self.order_cancel,
            "orderUpdate": self.order_update,
            "refundCreate": self.refund_create,
        }

    def order_create(self, args: Mapping[str, Any]) -> Obj:
        """``orderCreate``: the GraphQL order input as a REST ``POST orders.json`` body."""
        data = args.get("order") or {}

        def amount(bag: Any) -> Any:
            return ((bag or {}).get("shopMoney") or {}).get("amount")

        body: Obj = {
            "currency": data.get("presentmentCurrency") or data.get("currency"),
            "email": data.get("email"),
            "name": data.get("name"),
            "note": data.get("note"),
            "processed_at": data.get("processedAt"),
            "taxes_included": bool(data.get("taxesIncluded")),
            "financial_status": str(data.get("financialStatus") or "PENDING").lower(),
            "source_identifier": data.get("sourceIdentifier"),
            "tags": ", ".join(data.get("tags") or []),
            "shipping_address": rest_address(data.get("shippingAddress")),
            "billing_address": rest_address(data.get("billingAddress")),
            "line_items": [
                {
                    "title": item.get("title"),
                    "quantity": item.get("quantity"),
                    "price": amount(item.get("priceSet")),
                    "sku": item.get("sku"),
                    "requires_shipping": item.get("requiresShipping", True),
                    "variant_id": gid_number(item.get("variantId"), "ProductVariant"),
                    "tax_lines": [
                        {
                            "title": t.get("title"),
                            "price": amount(t.get("priceSet")),
                            "rate": t.get("rate"),
                        }
                        for t in item.get("taxLines") or []
                    ],
                }
                for item in data.get("lineItems") or []
            ],
            "shipping_lines": [
                {
                    "title": s.get("title"),
                    "price": amount(s.get("priceSet")),
                    "tax_lines": [
                        {
                            "title": t.get("title"),
                            "price": amount(t.get("priceSet")),
                            "rate": t.get("rate"),
                        }
                        for t in s.get("taxLines") or []
                    ],
                }
                for s in data.get("shippingLines") or []
            ],
            "transactions": [
                {
                    "kind": str(t.get("kind") or "SALE").lower(),
                    "status": str(t.get("status") or "SUCCESS").lower(),
                    "amount": amount(t.get("amountSet")),
                    "gateway": t.get("gateway"),
                }
                for t in data.get("transactions") or []
            ],
        }
        try:
            order = self.state.create_order(body)
        except ShopifyError as error:
            raise UserErrors(user_errors(error, ["order"])) from None
        return {"order": self.views.order(order), "userErrors": []}

    def order_update(self, args: Mapping[str, Any]) -> Obj:
        """``orderUpdate``: the shipping address, email, note and phone."""
        data = dict(args.get("input") or {})
        order = self.order_by_gid(data.pop("id", None))
        if order is None:
            raise UserErrors([{"field": ["input", "id"], "message": "Order does not exist"}])
        changes: Obj = {}
        if data.get("shippingAddress") is not None:
            given = data.pop("shippingAddress")
            # a field given as null clears it; a field left out is kept
            changes["shipping_address"] = {
                k: v
                for k, v in (rest_address(given) or {}).items()
                if v is not None or REST_ADDRESS_FIELDS.get(k) in given
            }
        for key in ("email", "note", "phone"):
            if key in data:
                changes[key] = data.pop(key)
        if data:
            raise UserErrors(
                [{"field": ["input", sorted(data)[0]], "message": "not supported by the sandbox"}]
            )
        try:
            updated = self.state.update_order(order["id"], changes)
        except ShopifyError as error:
            raise UserErrors(user_errors(error, ["input"])) from None
        return {"order": self.views.order(updated), "userErrors": []}

    def order_cancel(self, args: Mapping[str, Any]) -> Obj:
        """``orderCancel``: cancels at once (optionally refunding everything) and answers with a
        job that reports done after ``cancel_job_polls`` polls."""
        state = self.state
        order = self.order_by_gid(args.get("orderId"))
        if order is None:
            raise UserErrors(
                [{"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}]
            )
        active = [
            r
            for r in state.data["returns"].values()
            if str(r["order_id"]) == str(order["id"]) and r["status"] in ("requested", "open")
        ]
        if active:
            raise UserErrors(
                [
                    {
                        "field": ["orderId"],
                        "message": "An order with active returns can't be canceled",
                        "code": "INVALID",
                    }
                ]
            )
        body: Obj = {
            "reason": str(args.get("reason") or "OTHER").lower(),
            "email": bool(args.get("notifyCustomer")),
        }
        if body["reason"] == "staff":
            body["reason"] = "other"  # INFERRED: REST has no 'staff'; it records as other
        method = args.get("refundMethod") or {}
        refund_all = bool(method.get("originalPaymentMethodsRefund") or args.get("refund"))
        try:
            if refund_all:
                block = self._full_refund(order, restock=bool(args.get("restock")))
                if block is not None:
                    body["refund"] = block
            state.cancel_order(order["id"], body)
        except ShopifyError as error:
            raise UserErrors(user_errors(error, ["orderId"])) from None
        jid = state.new_id()
        state.data["jobs"][str(jid)] = {
            "polls_left": self.cancel_job_polls,
            "order_id": order["id"],
        }
        return {
            "job": {"id": gid("Job", jid), "done": False},
            "orderCancelUserErrors": [],
            "userErrors": [],
        }

    def _full_refund(self, order: Obj, *, restock: bool) -> Obj | None:
        """Everything refundable, to the original payments (restocking unshipped units)."""
        state = self.state
        located: dict[int, Any] = {}
        for fo in state.fulfillment_orders_of(order["id"]):
            if fo["status"] in LIVE_FULFILLMENT_ORDER_STATUSES:
                for item in fo["line_items"]:
                    located.setdefault(int(item["line_item_id"]), fo["assigned_location_id"])
        rows = []
        for line in order["line_items"]:
            quantity = int(line["current_quantity"])
            if quantity <= 0:
                continue
            row: Obj = {
                "line_item_id": line["id"],
                "quantity": quantity,
                "restock_type": "no_restock",
            }
            location = located.get(int(line["id"]))
            if restock and int(line["fulfillable_quantity"]) >= quantity and location is not None:
                row.update(restock_type="cancel", location_id=location)
            rows.append(row)
        body: Obj = {"refund_line_items": rows}
        if state.shipping_remaining(order) > 0:
            body["shipping"] = {"full_refund": True}
        if not rows and "shipping" not in body:
            return None
        plan = state.plan_refund(order["id"], body)
        body["transactions"] = [
            {
                "parent_id": s["parent_id"],
                "amount": s["amount"],
                "kind": "refund",
                "gateway": s["gateway"],
            }
            for s in plan["suggestions"]
        ]
        return body

    def refund_create(self, args: Mapping[str, Any]) -> Obj:
        """``refundCreate``."""
        data = args.get("input") or {}
        order = self.order_by_gid(data.get("orderId"))
        if order is None:
            raise UserErrors([{"field": ["input", "orderId"], "message": "Order does not exist"}])
        errors = [
            {
                "field": ["input", "transactions", str(i), "orderId"],
                "message": "must be the refunded order",
            }
            for i, t in enumerate(data.get("transactions") or [])
            if gid_number(t.get("orderId"), "Order") != int(order["id"])
        ]
        if errors:
            raise UserErrors(errors)
        body: Obj = {
            "currency": data.get("currency"),
            "notify": bool(data.get("notify")),
            "note": data.get("note"),
            "refund_line_items": rest_refund_lines(data.get("refundLineItems")),
            "transactions": [
                {
                    "parent_id": gid_number(t.get("parentId"), "OrderTransaction"),
                    "amount": t.get("amount"),
                    "kind": str(t.get("kind") or "").lower(),
                    "gateway": t.get("gateway"),
                }
                for t in data.get("transactions") or []
            ],
        }
        shipping = data.get("shipping") or {}
        if shipping.get("fullRefund"):
            body["shipping"] = {"full_refund": True}
        elif shipping.get("amount") is not None:
            body["shipping"] = {"amount": shipping["amount"]}
        if data.get("discrepancyReason"):
            body["discrepancy_reason"] = str(data["discrepancyReason"]).lower()
        if not body["refund_line_items"]:
            del body["refund_line_items"]
        try:
            refund = self.state.create_refund(order["id"], body)
        except ShopifyError as error:
            raise UserErrors(user_errors(error, ["input"])) from None
        return {
            "refund": self.views.refund(order, refund),
            "order": self.views.order(order),
            "userErrors": [],
        }

"""Returns: ``returnableFulfillments``, ``returnCreate``/``returnRequest``, the lifecycle moves
(approve, decline, close, reopen, cancel; :data:`~...rules.RETURN_MOVES`) and ``returnProcess``.

Returns exist only in GraphQL; they live in the state's ``returns`` table, their lines pointing
at fulfillment line items. Units in an active return cannot be returned again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from unified_orders.adapter import ReturnAction

from ...rules import RETURN_MOVES
from ..errors import ShopifyError
from .reverse import DISPOSITION_TYPES, reverse_orders
from .values import Fail, Obj, UserErrors, connection, constant, gid, gid_number, paged, user_errors
from .views import Resolvers

__all__ = ["ACTIVE_RETURNS", "ReturnResolvers"]

#: Return statuses whose units count as taken (not returnable again).
ACTIVE_RETURNS = ("requested", "open", "closed")


class ReturnResolvers(Resolvers):
    """Answers the returns root field and mutations from the state."""

    def roots(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """The root fields answered here, by GraphQL name."""
        return {
            "returnableFulfillments": self.returnable_fulfillments,
            "returnableFulfillment": self.returnable_fulfillment,
            "reverseFulfillmentOrder": self.reverse_fulfillment_order,
        }

    def mutations(self) -> dict[str, Callable[[Mapping[str, Any]], Obj]]:
        """The mutations answered here, by GraphQL name."""
        return {
            "returnCreate": self.return_create,
            "returnRequest": self.return_request,
            "returnApproveRequest": self.return_approve_request,
            "returnDeclineRequest": self.return_decline_request,
            "returnClose": self.return_close,
            "returnCancel": self.return_cancel,
            "returnReopen": self.return_reopen,
            "returnProcess": self.return_process,
        }

    def returnable_fulfillments(self, args: Mapping[str, Any]) -> Obj:
        """``returnableFulfillments(orderId:)``: shipped units not already in active returns."""
        order = self.order_by_gid(args.get("orderId"))
        if order is None:
            raise Fail("Order does not exist", "NOT_FOUND", path=["returnableFulfillments"])
        return connection(self.returnables(order), args)

    def returnable_fulfillment(self, args: Mapping[str, Any]) -> Obj | None:
        """``returnableFulfillment(id:)`` (its id is the fulfillment's number)."""
        number = gid_number(args.get("id"), "ReturnableFulfillment")
        found = self.views.fulfillment_by_id(number) if number is not None else None
        if found is None:
            return None
        wanted = gid("ReturnableFulfillment", number)
        return next((r for r in self.returnables(found[0]) if r["id"] == wanted), None)

    def reverse_fulfillment_order(self, args: Mapping[str, Any]) -> Obj | None:
        """``reverseFulfillmentOrder(id:)`` (its id is its return's number)."""
        number = gid_number(args.get("id"), "ReverseFulfillmentOrder")
        ret = self.state.data["returns"].get(str(number)) if number is not None else None
        found = reverse_orders(ret) if ret is not None else []
        return found[0] if found else None

    def returnables(self, order: Obj) -> list[Obj]:
        """The order's ``ReturnableFulfillment``s: successful fulfillments with units left."""
        taken = self.taken(order)
        nodes = []
        for f in order.get("fulfillments") or []:
            if f.get("status") != "success":
                continue
            items = []
            for row in self.views.fulfillment_items(f):
                left = int(row["quantity"] or 0) - taken.get(str(row["id"]), 0)
                if left > 0:
                    items.append({"quantity": left, "fulfillmentLineItem": row})
            if items:
                nodes.append(
                    {
                        "__typename": "ReturnableFulfillment",
                        "id": gid("ReturnableFulfillment", f["id"]),
                        "fulfillment": {"id": gid("Fulfillment", f["id"])},
                        "returnableFulfillmentLineItems": paged(constant(items)),
                    }
                )
        return nodes

    # --- the rules -------------------------------------------------------------------------------
    def taken(self, order: Obj) -> dict[str, int]:
        """Units of each fulfillment line item (GID) in active returns."""
        taken: dict[str, int] = {}
        for ret in self.state.data["returns"].values():
            if str(ret["order_id"]) != str(order["id"]) or ret["status"] not in ACTIVE_RETURNS:
                continue
            for row in ret["line_items"]:
                key = gid("FulfillmentLineItem", row["fulfillment_line_item_id"]) or ""
                taken[key] = taken.get(key, 0) + int(row["quantity"])
        return taken

    def _new_return(
        self, args: Mapping[str, Any], *, status: str, note_key: str, prefix: str
    ) -> Obj:
        state = self.state
        data = args.get(prefix) or {}
        order = self.order_by_gid(data.get("orderId"))
        if order is None:
            raise UserErrors(
                [
                    {
                        "field": [prefix, "orderId"],
                        "message": "Order does not exist",
                        "code": "NOT_FOUND",
                    }
                ]
            )
        if order.get("cancelled_at"):
            raise UserErrors(
                [
                    {
                        "field": [prefix, "orderId"],
                        "message": "A canceled order can't have returns",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        fulfilled: dict[str, tuple[int, int]] = {}
        for f in order.get("fulfillments") or []:
            if f.get("status") != "success":
                continue
            for x in f.get("line_items") or []:
                own = self.views.fulfillment_line_id(f["id"], x["id"])
                fulfilled[str(own)] = (int(x["id"]), int(x.get("quantity") or 0))
        taken = self.taken(order)
        rows = data.get("returnLineItems") or []
        errors: list[Obj] = []
        lines: list[Obj] = []
        if not rows:
            errors.append(
                {"field": [prefix, "returnLineItems"], "message": "can't be blank", "code": "BLANK"}
            )
        for index, row in enumerate(rows):
            field = [prefix, "returnLineItems", str(index)]
            number = gid_number(row.get("fulfillmentLineItemId"), "FulfillmentLineItem")
            known = fulfilled.get(str(number))
            if known is None:
                errors.append(
                    {
                        "field": [*field, "fulfillmentLineItemId"],
                        "message": "Fulfillment line item does not exist on this order",
                        "code": "NOT_FOUND",
                    }
                )
                continue
            quantity = int(row.get("quantity") or 0)
            key = gid("FulfillmentLineItem", number) or ""
            left = known[1] - taken.get(key, 0)
            if quantity < 1:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": "Quantity must be greater than 0",
                        "code": "GREATER_THAN",
                    }
                )
            elif quantity > left:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": f"Quantity {quantity} exceeds the {left} returnable unit(s)",
                        "code": "LESS_THAN_OR_EQUAL_TO",
                    }
                )
            taken[key] = taken.get(key, 0) + max(quantity, 0)
            lines.append(
                {
                    "id": 0,
                    "fulfillment_line_item_id": number,
                    "line_item_id": known[0],
                    "quantity": quantity,
                    "processed_quantity": 0,
                    "return_reason_note": row.get("returnReasonNote")
                    if note_key == "returnReasonNote"
                    else None,
                    "customer_note": row.get("customerNote")
                    if note_key == "customerNote"
                    else None,
                }
            )
        if errors:
            raise UserErrors(errors)
        rid = state.new_id()
        for line in lines:
            line["id"] = state.new_id()
        count = 1 + sum(
            1 for r in state.data["returns"].values() if str(r["order_id"]) == str(order["id"])
        )
        ret = {
            "id": rid,
            "order_id": order["id"],
            "name": f"{order['name']}-R{count}",
            "status": status,
            "created_at": state.now(),
            "closed_at": None,
            "request_approved_at": None,
            "decline": None,
            "line_items": lines,
            "refund_ids": [],
        }
        state.data["returns"][str(rid)] = ret
        order["updated_at"] = ret["created_at"]
        return {"return": self.views.return_(ret), "userErrors": []}

    def return_create(self, args: Mapping[str, Any]) -> Obj:
        """``returnCreate``: an OPEN return, as the merchant makes one."""
        return self._new_return(
            args, status="open", note_key="returnReasonNote", prefix="returnInput"
        )

    def return_request(self, args: Mapping[str, Any]) -> Obj:
        """``returnRequest``: a REQUESTED return, as the customer asks for one."""
        return self._new_return(args, status="requested", note_key="customerNote", prefix="input")

    def _the_return(self, value: Any, field: list[str]) -> Obj:
        rid = gid_number(value, "Return")
        ret = self.state.data["returns"].get(str(rid)) if rid is not None else None
        if ret is None:
            raise UserErrors(
                [{"field": field, "message": "Return does not exist", "code": "NOT_FOUND"}]
            )
        return ret  # type: ignore[no-any-return]

    def _move(self, ret: Obj, action: ReturnAction, field: list[str], **changes: Any) -> Obj:
        """Take ``ret`` along one move of its lifecycle (:data:`~...rules.RETURN_MOVES`)."""
        sources, target = RETURN_MOVES[action]
        allowed = tuple(status.lower() for status in sources)
        if ret["status"] not in allowed:
            raise UserErrors(
                [
                    {
                        "field": field,
                        "message": f"Return is {ret['status'].upper()}; it must be "
                        f"{' or '.join(s.upper() for s in allowed)}",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        ret["status"] = target.lower()
        ret.update(changes)
        return {"return": self.views.return_(ret), "userErrors": []}

    def return_approve_request(self, args: Mapping[str, Any]) -> Obj:
        """``returnApproveRequest``."""
        data = args.get("input") or {}
        ret = self._the_return(data.get("id"), ["input", "id"])
        return self._move(
            ret, ReturnAction.APPROVE, ["input", "id"], request_approved_at=self.state.now()
        )

    def return_decline_request(self, args: Mapping[str, Any]) -> Obj:
        """``returnDeclineRequest``."""
        data = args.get("input") or {}
        ret = self._the_return(data.get("id"), ["input", "id"])
        decline = {"reason": data.get("declineReason"), "note": data.get("declineNote")}
        return self._move(ret, ReturnAction.DECLINE, ["input", "id"], decline=decline)

    def return_close(self, args: Mapping[str, Any]) -> Obj:
        """``returnClose``."""
        ret = self._the_return(args.get("id"), ["id"])
        return self._move(ret, ReturnAction.CLOSE, ["id"], closed_at=self.state.now())

    def return_reopen(self, args: Mapping[str, Any]) -> Obj:
        """``returnReopen``."""
        ret = self._the_return(args.get("id"), ["id"])
        return self._move(ret, ReturnAction.REOPEN, ["id"], closed_at=None)

    def return_cancel(self, args: Mapping[str, Any]) -> Obj:
        """``returnCancel``: only before any unit was processed."""
        ret = self._the_return(args.get("id"), ["id"])
        if any(int(x.get("processed_quantity") or 0) for x in ret["line_items"]):
            raise UserErrors(
                [
                    {
                        "field": ["id"],
                        "message": "A return with processed items can't be canceled",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        return self._move(ret, ReturnAction.CANCEL, ["id"])

    def return_process(self, args: Mapping[str, Any]) -> Obj:
        """``returnProcess``: units processed, optionally refunded to the original payments."""
        data = args.get("input") or {}
        ret = self._the_return(data.get("returnId"), ["input", "returnId"])
        if ret["status"] != "open":
            raise UserErrors(
                [
                    {
                        "field": ["input", "returnId"],
                        "message": f"Return is {ret['status'].upper()}; only an OPEN return can be processed",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        by_id = {str(x["id"]): x for x in ret["line_items"]}
        errors: list[Obj] = []
        chosen: list[tuple[Obj, int]] = []
        for index, row in enumerate(data.get("returnLineItems") or []):
            line = by_id.get(str(gid_number(row.get("id"), "ReturnLineItem")))
            field = ["input", "returnLineItems", str(index)]
            if line is None:
                errors.append(
                    {
                        "field": [*field, "id"],
                        "message": "Return line item does not exist",
                        "code": "NOT_FOUND",
                    }
                )
                continue
            quantity = int(row.get("quantity") or 0)
            left = int(line["quantity"]) - int(line.get("processed_quantity") or 0)
            if quantity < 1 or quantity > left:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": f"Quantity {quantity} is more than the {left} unprocessed unit(s)",
                        "code": "INVALID",
                    }
                )
                continue
            chosen.append((line, quantity))
            errors.extend(self._disposition_errors(line, quantity, row, field))
        if errors:
            raise UserErrors(errors)
        transfer = (data.get("financialTransfer") or {}).get("issueRefund") or {}
        order = self.state.order(ret["order_id"])
        if transfer:
            gateways = {
                str(t["id"]): t.get("gateway") for t in self.state.transactions(order["id"])
            }
            quantities: dict[int, int] = {}
            for line, quantity in chosen:
                quantities[int(line["line_item_id"])] = (
                    quantities.get(int(line["line_item_id"]), 0) + quantity
                )
            body = {
                "note": data.get("note"),
                "notify": bool(data.get("notifyCustomer")),
                "refund_line_items": [
                    {"line_item_id": k, "quantity": q, "restock_type": "no_restock"}
                    for k, q in quantities.items()
                ],
                "transactions": [
                    {
                        "parent_id": gid_number(t.get("parentId"), "OrderTransaction"),
                        "amount": (t.get("transactionAmount") or {}).get("amount"),
                        "kind": "refund",
                        "gateway": gateways.get(
                            str(gid_number(t.get("parentId"), "OrderTransaction"))
                        ),
                    }
                    for t in transfer.get("orderTransactions") or []
                ],
            }
            try:
                refund = self.state.create_refund(order["id"], body)
            except ShopifyError as error:
                raise UserErrors(user_errors(error, ["input", "financialTransfer"])) from None
            refund["return"] = {"id": ret["id"]}
            ret["refund_ids"].append(refund["id"])
        rows = data.get("returnLineItems") or []
        for (line, quantity), row in zip(chosen, rows, strict=True):
            line["processed_quantity"] = int(line.get("processed_quantity") or 0) + quantity
            for d in row.get("dispositions") or []:
                line.setdefault("dispositions", []).append(
                    {
                        "id": gid("ReverseFulfillmentOrderDisposition", self.state.new_id()),
                        "quantity": int(d["quantity"]),
                        "type": d["dispositionType"],
                        "location": {"id": d["locationId"]} if d.get("locationId") else None,
                        "createdAt": self.state.now(),
                    }
                )
        order["updated_at"] = self.state.now()
        return {"return": self.views.return_(ret), "userErrors": []}

    @staticmethod
    def _disposition_errors(
        line: Obj, quantity: int, row: Mapping[str, Any], field: list[str]
    ) -> list[Obj]:
        """What is wrong with a processed line's ``dispositions``: each on this line's reverse
        fulfillment order line, a known type, a location to restock at, no more than processed."""
        errors: list[Obj] = []
        total = 0
        for index, d in enumerate(row.get("dispositions") or []):
            at = [*field, "dispositions", str(index)]
            target = gid_number(
                d.get("reverseFulfillmentOrderLineItemId"), "ReverseFulfillmentOrderLineItem"
            )
            if str(target) != str(line["id"]):
                errors.append(
                    {
                        "field": [*at, "reverseFulfillmentOrderLineItemId"],
                        "message": "Reverse fulfillment order line item does not belong to this return line",
                        "code": "INVALID",
                    }
                )
            if d.get("dispositionType") not in DISPOSITION_TYPES:
                errors.append(
                    {
                        "field": [*at, "dispositionType"],
                        "message": "Invalid disposition type",
                        "code": "INVALID",
                    }
                )
            if d.get("dispositionType") == "RESTOCKED" and not d.get("locationId"):
                errors.append(
                    {
                        "field": [*at, "locationId"],
                        "message": "A location is required to restock",
                        "code": "BLANK",
                    }
                )
            total += int(d.get("quantity") or 0)
        if total > quantity:
            errors.append(
                {
                    "field": [*field, "dispositions"],
                    "message": f"Dispositions of {total} unit(s) exceed the {quantity} processed",
                    "code": "INVALID",
                }
            )
        return errors

"""Writes: ``POST /api/order``, ``order-address``, ``order-transaction-capture-refund``, the
``PATCH`` of addresses and deliveries, and ``POST /api/_action/order_transaction_capture_refund/{id}``.

Writes are checked as the DAL checks them: required fields, ids that are ids, states of the right
machine, no insert over an existing id, no ``stateId`` in a patch (states change only through
transitions), and on 6.6 no ``primaryOrder*`` fields. Capture refunds are created ``open`` and
processed by the action route only from ``open``: the demo card handler completes them, the
invoice method has no refund handler (400).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from unified_orders.sandbox import Reply, SandboxRequest

from ...platform import LIVE_VERSION, is_id
from ...states import DELIVERY_MACHINE, ORDER_MACHINE, REFUND_MACHINE, TRANSACTION_MACHINE
from ..errors import error_entry, refusal, violation, violations
from ..state import Row, sandbox_id
from .transitions import TransitionHandlers

__all__ = ["REFUND_HANDLERS", "WriteHandlers"]

REFUND_HANDLERS = {"payment_creditcard"}
"""Payment methods whose (demo) handler supports refunds; it completes them synchronously."""

_ORDER_REQUIRED = [
    "id",
    "billingAddressId",
    "currencyId",
    "languageId",
    "salesChannelId",
    "orderDateTime",
    "currencyFactor",
    "stateId",
    "itemRounding",
    "totalRounding",
]
_ORDER_CHILDREN = {
    "addresses": "order_address",
    "lineItems": "order_line_item",
    "deliveries": "order_delivery",
    "transactions": "order_transaction",
}
_BLANK = "VIOLATION::IS_BLANK_ERROR"
_CONSTRAINT = "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION"
_TYPE = "VIOLATION::TYPE_ERROR"  # INFERRED: the code of a Symfony Type constraint


def _field_violations(row: Mapping[str, Any], required: Iterable[str], at: str) -> list[Row]:
    """Blank required fields and ``...Id`` fields that are not ids."""
    errors = [
        violation(_BLANK, "This value should not be blank.", f"{at}/{field}")
        for field in required
        if row.get(field) in (None, "")
    ]
    for field, value in row.items():
        if (field == "id" or field.endswith("Id")) and (
            isinstance(value, str) and not is_id(value)
        ):
            errors.append(
                error_entry(
                    400,
                    "FRAMEWORK__INVALID_UUID",
                    f'Value "{value}" is not a valid uuid.',
                    source={"pointer": f"{at}/{field}"},
                )
            )
    return errors


def _delivery_field_violations(entity: str, body: Mapping[str, Any]) -> list[Row]:
    """A delivery's ``trackingCodes`` is a list of strings and ``customFields`` an object."""
    if entity != "order_delivery":
        return []
    errors = []
    codes = body.get("trackingCodes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.append(violation(_TYPE, "This value should be a list of strings.", "/trackingCodes"))
    if not isinstance(body.get("customFields", {}), dict):
        errors.append(violation(_TYPE, "This value should be of type object.", "/customFields"))
    return errors


class WriteHandlers(TransitionHandlers):
    """Creating orders, addresses and capture refunds; patching; processing a refund."""

    def create_order(self, request: SandboxRequest) -> Reply:
        """``POST order``: the order with its addresses, customer, lines, deliveries, payments."""
        body = request.body if request.body is not None else {}
        errors = self._order_violations(body)
        if errors:
            raise violations(errors)
        self._refuse_existing("order", body["id"])
        now = self.now()
        order_id = str(body["id"])
        row = {
            k: copy.deepcopy(v)
            for k, v in body.items()
            if k not in _ORDER_CHILDREN and k != "orderCustomer"
        }
        price = row.get("price") or {}
        row.update(
            {
                "amountTotal": price.get("totalPrice"),
                "amountNet": price.get("netPrice"),
                "positionPrice": price.get("positionPrice"),
                "taxStatus": price.get("taxStatus"),
                "shippingTotal": (row.get("shippingCosts") or {}).get("totalPrice"),
                "createdAt": now,
            }
        )
        self.insert("order", row)
        if body.get("orderCustomer"):
            self.insert(
                "order_customer",
                {**copy.deepcopy(body["orderCustomer"]), "orderId": order_id, "createdAt": now},
            )
        for key, entity in _ORDER_CHILDREN.items():
            for item in body.get(key) or []:
                self._insert_child(entity, item, order_id, now)
        self.state["orders"] += 1
        return 204, None, {"location": f"/api/order/{order_id}"}

    def _order_violations(self, body: Mapping[str, Any]) -> list[Row]:
        errors = _field_violations(body, _ORDER_REQUIRED, "")
        errors += self._check_state(ORDER_MACHINE, body.get("stateId"), "")
        for index, item in enumerate(body.get("deliveries") or []):
            errors += self._check_state(
                DELIVERY_MACHINE, item.get("stateId"), f"/deliveries/{index}"
            )
        for index, item in enumerate(body.get("transactions") or []):
            errors += self._check_state(
                TRANSACTION_MACHINE, item.get("stateId"), f"/transactions/{index}"
            )
        if body.get("currencyId") not in self.table("currency"):
            errors.append(violation(_CONSTRAINT, "Unknown currency.", "/currencyId"))
        if self.version == "6.6":
            for field in ("primaryOrderDeliveryId", "primaryOrderTransactionId"):
                if field in body:
                    errors.append(
                        violation(
                            "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR",
                            f'Unexpected field "{field}".',
                            f"/{field}",
                        )
                    )
        return errors

    def _insert_child(self, entity: str, item: Mapping[str, Any], order_id: str, now: str) -> None:
        child = {k: copy.deepcopy(v) for k, v in item.items() if k != "positions"}
        child.update({"orderId": order_id, "createdAt": now})
        self.insert(entity, child)
        for position in item.get("positions") or []:
            self.insert(
                "order_delivery_position",
                {**copy.deepcopy(position), "orderDeliveryId": item["id"], "createdAt": now},
            )

    def create_address(self, request: SandboxRequest) -> Reply:
        """``POST order-address``."""
        body = request.body if request.body is not None else {}
        required = ["id", "countryId", "orderId", "firstName", "lastName", "street", "city"]
        errors = _field_violations(body, required, "")
        if errors:
            raise violations(errors)
        self._refuse_existing("order_address", body["id"])
        self.insert("order_address", {**copy.deepcopy(dict(body)), "createdAt": self.now()})
        return 204, None, {"location": f"/api/order-address/{body['id']}"}

    def patch_address(self, request: SandboxRequest, row_id: str) -> Reply:
        """``PATCH order-address/{id}``."""
        return self._patch("order_address", row_id, request.body)

    def patch_delivery(self, request: SandboxRequest, row_id: str) -> Reply:
        """``PATCH order-delivery/{id}``."""
        return self._patch("order_delivery", row_id, request.body)

    def _patch(self, entity: str, row_id: str, body: Any) -> Reply:
        body = body if body is not None else {}
        row = self.table(entity).get(row_id)
        if row is None:
            raise refusal(
                404,
                "FRAMEWORK__RESOURCE_NOT_FOUND",
                f"The {entity} resource with the following primary key was not found: id({row_id})",
            )
        if "stateId" in body:
            raise refusal(
                400,
                "SYSTEM__STATE_MACHINE_INVALID_STATE_FIELD",
                "Changing the state-machine-state of this entity is not allowed for scope "
                "user. Either change the state-machine-state via a state-transition or use a "
                "different scope.",
            )
        errors = _field_violations({**row, **body}, [], "")
        if (
            entity == "order_delivery"
            and "shippingOrderAddressId" in body
            and body["shippingOrderAddressId"] not in self.table("order_address")
        ):
            errors.append(
                violation(_CONSTRAINT, "Unknown order address.", "/shippingOrderAddressId")
            )
        errors += _delivery_field_violations(entity, body)
        if errors:
            raise violations(errors)
        row.update(copy.deepcopy(dict(body)))
        self.touch(entity, row_id)
        return 204, None, {}

    def create_refund(self, request: SandboxRequest) -> Reply:
        """``POST order-transaction-capture-refund``: a capture refund with its positions."""
        body = request.body if request.body is not None else {}
        errors = self._refund_violations(body)
        if errors:
            raise violations(errors)
        self._refuse_existing("order_transaction_capture_refund", body["id"])
        now = self.now()
        row = {k: copy.deepcopy(v) for k, v in body.items() if k != "positions"}
        row.update({"captureVersionId": LIVE_VERSION, "createdAt": now})
        self.insert("order_transaction_capture_refund", row)
        for position in body.get("positions") or []:
            self.insert(
                "order_transaction_capture_refund_position",
                {
                    **copy.deepcopy(position),
                    "refundId": body["id"],
                    "refundVersionId": LIVE_VERSION,
                    "orderLineItemVersionId": LIVE_VERSION,
                    "createdAt": now,
                },
            )
        return 204, None, {"location": f"/api/order-transaction-capture-refund/{body['id']}"}

    def _refund_violations(self, body: Mapping[str, Any]) -> list[Row]:
        required = ["id", "captureId", "stateId", "amount"]
        errors = _field_violations(body, required, "")
        errors += self._check_state(REFUND_MACHINE, body.get("stateId"), "")
        capture = self.table("order_transaction_capture").get(str(body.get("captureId")))
        if capture is None:
            if not errors:
                errors.append(violation(_CONSTRAINT, "Unknown capture.", "/captureId"))
            return errors
        txn = self.table("order_transaction")[capture["orderTransactionId"]]
        lines = {r["id"]: r for r in self.rows_where("order_line_item", "orderId", txn["orderId"])}
        for index, position in enumerate(body.get("positions") or []):
            if str(position.get("orderLineItemId")) not in lines:
                errors.append(
                    violation(
                        _CONSTRAINT,
                        "The line item is not part of the captured order.",
                        f"/positions/{index}/orderLineItemId",
                    )
                )
        return errors

    def process_refund(self, request: SandboxRequest, refund_id: str) -> Reply:
        """``POST _action/order_transaction_capture_refund/{id}``: the payment handler refunds."""
        refund = self.table("order_transaction_capture_refund").get(refund_id)
        if refund is None:
            # shopware.md 2.5: the spec says 404, the code answers 400.
            raise refusal(400, "CHECKOUT__REFUND_UNKNOWN_ERROR", f"Refund {refund_id} not found.")
        state = self.state_row(str(refund["stateId"]))["technicalName"]
        if state != "open":
            raise refusal(
                400,
                "CHECKOUT__REFUND_INVALID_TRANSITION_ERROR",
                f"The Refund process failed with following exception: Can not process refund "
                f"with id {refund_id} as refund has state {state}.",
            )
        capture = self.table("order_transaction_capture")[refund["captureId"]]
        txn = self.table("order_transaction")[capture["orderTransactionId"]]
        method = self.table("payment_method")[txn["paymentMethodId"]]
        if method["technicalName"] not in REFUND_HANDLERS:
            raise refusal(
                400,
                "CHECKOUT__REFUND_UNKNOWN_HANDLER_ERROR",
                f"The Refund process failed with following exception: Unknown refund handler "
                f"for payment method {method['technicalName']}.",
            )
        # The demo PSP handler refunds at once and completes the refund (process, complete).
        for action in ("process", "complete"):
            self.transition("order_transaction_capture_refund", refund_id, action)
        return 204, None, {}

    def _check_state(self, machine: str, state_id: Any, at: str) -> list[Row]:
        row = self.table("state_machine_state").get(str(state_id))
        if row is not None and row["stateMachineId"] == sandbox_id("machine", machine):
            return []
        return [
            violation(
                _CONSTRAINT, f"The state {state_id} is not a state of {machine}.", f"{at}/stateId"
            )
        ]

    def _refuse_existing(self, entity: str, row_id: Any) -> None:
        if str(row_id) in self.table(entity):
            # INFERRED: the DAL refuses to insert over an existing id (insert command expected).
            raise refusal(
                400,
                "FRAMEWORK__WRITE_TYPE_INTEND_ERROR",
                f'Expected command for "{entity}" to be "InsertCommand". Got "UpdateCommand".',
            )

"""A throwaway platform for the CLI tests: a tiny adapter with every capability and an emulator.

It is registered through pluggy by the tests (never shipped), so the CLI is exercised end to end
whatever the state of the real adapters. The emulator lives in ``toy_emulator``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import SecretStr
from toy_emulator import ToyEmulator

import unified_orders as uo
from unified_orders.adapter import CancelOptions, Op, Page, RefundOptions, Request

PLATFORM = "toy"


class ToySettings(uo.AdapterSettings):
    """Toy settings: a token (a secret), and a shop name."""

    shop: str = "toy-shop"
    token: SecretStr | None = None
    disabled: list[str] = []  # capabilities this store pretends to lack
    decline_refunds: bool = False  # its payment gateway declines refunds (status failure)
    pending_refunds: bool = False  # its payment gateway leaves refunds pending
    orders: int = 3  # how many demo orders the emulator seeds


class ToyAdapter(uo.Adapter):
    """Every capability, over the toy emulator's routes."""

    platform = PLATFORM
    restock_policy = uo.RestockPolicy(
        unfulfilled=frozenset({uo.Restock.CANCEL, uo.Restock.NO_RESTOCK}),
        fulfilled=frozenset({uo.Restock.NO_RESTOCK, uo.Restock.RETURN}),
        fulfilled_digital=frozenset({uo.Restock.NO_RESTOCK}),
    )
    calculates_refunds = False
    stores_idempotency_keys = True

    def __init__(self, settings: uo.AdapterSettings) -> None:
        super().__init__(settings)
        self._emulator: ToyEmulator | None = None

    @property
    def capabilities(self) -> frozenset[uo.Capability]:
        disabled = {uo.Capability(c) for c in getattr(self.settings, "disabled", [])}
        return frozenset(uo.Capability) - {uo.Capability.ORDERS_CREATE} - disabled

    @property
    def base_url(self) -> str:
        return "https://toy.example/api/"

    def emulator(self) -> ToyEmulator:
        if self._emulator is None:
            self._emulator = ToyEmulator(
                decline_refunds=getattr(self.settings, "decline_refunds", False),
                pending_refunds=getattr(self.settings, "pending_refunds", False),
                orders=getattr(self.settings, "orders", 3),
            )
        return self._emulator

    def static_headers(self) -> Mapping[str, str]:
        token = getattr(self.settings, "token", None)
        return {"authorization": f"Token {token.get_secret_value()}"} if token else {}

    def secrets(self) -> list[str]:
        token = getattr(self.settings, "token", None)
        return [token.get_secret_value()] if token else []

    def hint(self, capability: uo.Capability) -> str:
        if capability is uo.Capability.ORDERS_CREATE:
            return "the toy platform imports no orders"
        return f"this toy store has {capability.value} switched off"

    def error_for(self, response: uo.Response) -> uo.PlatformError:
        body = response.body if isinstance(response.body, dict) else {}
        return uo.adapter.error_for_status(
            self.platform, response, body.get("error", response.text), code=body.get("code")
        )

    # --- translation ---------------------------------------------------------------------
    def _order(self, body: dict[str, Any]) -> uo.Order:
        cur = body["currency"]

        def money(value: Any) -> uo.Money:
            return uo.Money.of(str(value), cur)

        lines = [
            uo.LineItem(
                id=x["id"],
                sku=x["sku"],
                title=x["title"],
                quantity=x["qty"],
                current_quantity=x["qty"],
                fulfilled_quantity=x["fulfilled"],
                refunded_quantity=x["refunded"],
                unit_price=money(x["price"]),
                total=money(x["price"]) * x["qty"],
            )
            for x in body["lines"]
        ]
        refunds = [self._refund(r, cur) for r in body["refunds"]]
        refunded = sum((r.total.amount for r in refunds), Decimal(0))
        payment = body["payments"][0]
        subtotal = uo.Money.sum((x.total for x in lines), cur)
        return uo.Order(
            id=body["id"],
            number=body["number"],
            platform=PLATFORM,
            currency=cur,
            status=uo.OrderStatus.parse(body["state"]),
            platform_status=body["state"],
            email=body["email"],
            lines=lines,
            shipping_address=uo.Address(**body["address"]) if body.get("address") else None,
            shipping=money(body["shipping"]),
            subtotal=subtotal,
            tax=uo.Money.zero(cur),
            total=subtotal + money(body["shipping"]),
            transactions=[
                uo.Transaction(
                    id=payment["id"],
                    kind=uo.TransactionKind.SALE,
                    status=uo.TransactionStatus.SUCCESS,
                    amount=money(payment["amount"]),
                    refundable=money(Decimal(payment["amount"]) - refunded),
                )
            ],
            refunds=refunds,
            cancel_reason=body.get("cancel_reason"),
            raw=body,
        )

    def _refund(self, body: dict[str, Any], cur: str) -> uo.Refund:
        lines = [
            uo.RefundLine(
                line_id=x["line_id"],
                quantity=x["quantity"],
                restock=uo.Restock(x["restock"]),
                location_id=x.get("location_id"),
                subtotal=uo.Money.of(x["amount"], cur),
                tax=uo.Money.zero(cur),
                total=uo.Money.of(x["amount"], cur),
            )
            for x in body["lines"]
        ]
        shipping = (
            uo.RefundShipping(amount=uo.Money.of(body["shipping"], cur))
            if body.get("shipping")
            else None
        )
        return uo.Refund(
            id=body["id"],
            order_id=body["order_id"],
            status=uo.RefundStatus(body.get("status", "success")),
            idempotency_key=body.get("idempotency_key"),
            lines=lines,
            shipping=shipping,
            total=uo.Money.of(body["total"], cur),
            note=body.get("note"),
        )

    def _return(self, body: dict[str, Any]) -> uo.Return:
        return uo.Return(
            id=body["id"],
            order_id=body["order_id"],
            status=uo.ReturnStatus.parse(body["status"]),
            lines=[
                uo.ReturnLine(
                    id=f"{body['id']}-{i}",
                    line_id=x["line_id"],
                    quantity=x["quantity"],
                    reason=x.get("reason"),
                )
                for i, x in enumerate(body["lines"])
            ],
        )

    def _fo(self, body: dict[str, Any]) -> uo.FulfillmentOrder:
        return uo.FulfillmentOrder(
            id=body["id"],
            order_id=body["order_id"],
            status=uo.FulfillmentOrderStatus.parse(body["status"]),
            location_id=body["location"],
            lines=[
                uo.FulfillmentOrderLine(
                    id=x["id"],
                    line_id=x["line_id"],
                    quantity=x["qty"],
                    fulfillable_quantity=x["qty"],
                )
                for x in body["lines"]
            ],
            holds=[
                uo.FulfillmentHold(reason=uo.HoldReason(h["reason"]), note=h.get("note"))
                for h in body["holds"]
            ],
        )

    # --- operations ----------------------------------------------------------------------
    def get_order(self, order_id: str) -> Op[uo.Order]:
        response = yield Request("GET", f"orders/{order_id}")
        if "lines" not in response.body:
            # like a careless adapter: the unexpected answer, token and all, in the message
            raise ValueError(f"not an order: {response.body!r}")
        return self._order(response.body)

    def list_orders(self, query: uo.OrderQuery, cursor: str | None) -> Op[Page[uo.Order]]:
        response = yield Request("GET", "orders")
        return Page([self._order(o) for o in response.body["orders"]])

    def cancel_order(self, order: uo.Order, options: CancelOptions) -> Op[uo.Order]:
        body = {"reason": options.reason, "refund": options.refund, "restock": options.restock}
        response = yield Request("POST", f"orders/{order.id}/cancel", json=body)
        return self._order(response.body)

    def update_shipping_address(self, order: uo.Order, address: uo.Address) -> Op[uo.Order]:
        body = {"address": address.model_dump(exclude_none=True)}
        response = yield Request("PUT", f"orders/{order.id}/address", json=body)
        return self._order(response.body)

    def create_refund(
        self, order: uo.Order, calculation: uo.RefundCalculation, options: RefundOptions
    ) -> Op[uo.Refund]:
        body = {
            "lines": [
                {
                    "line_id": x.line_id,
                    "quantity": x.quantity,
                    "restock": x.restock.value,
                    "location_id": x.location_id,
                    "amount": str(x.total.amount),
                }
                for x in calculation.lines
            ],
            "shipping": str(calculation.shipping.amount.amount) if calculation.shipping else None,
            "total": str(calculation.total.amount),
            "note": options.note,
            "idempotency_key": options.idempotency_key,
        }
        response = yield Request("POST", f"orders/{order.id}/refunds", json=body)
        return self._refund(response.body, order.currency)

    def list_refunds(self, order_id: str) -> Op[list[uo.Refund]]:
        response = yield Request("GET", f"orders/{order_id}/refunds")
        return [self._refund(r, "USD") for r in response.body]

    def create_return(
        self, order: uo.Order, request: uo.ReturnRequest, idempotency_key: str
    ) -> Op[uo.Return]:
        body = {
            "requested": request.requested,
            "lines": [
                {"line_id": x.line_id, "quantity": x.quantity, "reason": x.reason}
                for x in request.lines
            ],
        }
        response = yield Request("POST", f"orders/{order.id}/returns", json=body)
        return self._return(response.body)

    def get_return(self, return_id: str) -> Op[uo.Return]:
        response = yield Request("GET", f"returns/{return_id}")
        return self._return(response.body)

    def list_returns(self, order_id: str) -> Op[list[uo.Return]]:
        response = yield Request("GET", f"orders/{order_id}/returns")
        return [self._return(r) for r in response.body]

    def change_return(
        self, return_id: str, action: uo.ReturnAction, note: str | None
    ) -> Op[uo.Return]:
        response = yield Request("POST", f"returns/{return_id}/{action.value}", json={})
        return self._return(response.body)

    def list_fulfillment_orders(self, order_id: str) -> Op[list[uo.FulfillmentOrder]]:
        response = yield Request("GET", f"orders/{order_id}/fulfillment_orders")
        return [self._fo(fo) for fo in response.body]

    def _fo_action(self, fo_id: str, action: str, body: Any = None) -> Op[uo.FulfillmentOrder]:
        response = yield Request("POST", f"fulfillment_orders/{fo_id}/{action}", json=body or {})
        return self._fo(response.body)

    def hold_fulfillment_order(
        self, fulfillment_order_id: str, reason: uo.HoldReason, note: str | None
    ) -> Op[uo.FulfillmentOrder]:
        body = {"reason": reason.value, "note": note}
        return (yield from self._fo_action(fulfillment_order_id, "hold", body))

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[uo.FulfillmentOrder]:
        return (yield from self._fo_action(fulfillment_order_id, "release"))

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[uo.FulfillmentOrder]:
        return (yield from self._fo_action(fulfillment_order_id, "request", {"lines": lines}))

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[uo.FulfillmentOrder]:
        return (yield from self._fo_action(fulfillment_order_id, "cancel_request"))

    def available_locations(self, fulfillment_order_id: str) -> Op[list[uo.Location]]:
        response = yield Request("GET", f"fulfillment_orders/{fulfillment_order_id}/locations")
        return [uo.Location(id=x["id"], name=x["name"]) for x in response.body]

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[uo.FulfillmentOrder]:
        body = {"location_id": location_id, "lines": lines}
        return (yield from self._fo_action(fulfillment_order_id, "move", body))


class ToyPlugin:
    """The pluggy plugin registering the toy platform."""

    @uo.hookimpl
    def unified_orders_adapters(self) -> list[uo.AdapterSpec]:
        return [
            uo.AdapterSpec(
                platform=PLATFORM,
                factory=ToyAdapter,
                settings=ToySettings,
                capabilities=frozenset(uo.Capability) - {uo.Capability.ORDERS_CREATE},
                version="0.0.1",
            )
        ]


def register() -> None:
    """Register the toy plugin (idempotent)."""
    from unified_orders import plugins

    if not plugins.pm.has_plugin("cli-toy"):
        plugins.pm.register(ToyPlugin(), name="cli-toy")


def unregister() -> None:
    """Remove the toy plugin."""
    from unified_orders import plugins

    if plugins.pm.has_plugin("cli-toy"):
        plugins.pm.unregister(name="cli-toy")

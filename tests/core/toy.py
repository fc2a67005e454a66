"""A throwaway adapter for core tests (never shipped): reads orders; the core plans its refunds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import unified_orders as uo
from unified_orders.adapter import Op, Request

ORDER = {
    "id": 7,
    "currency": "JPY",
    "state": "open",
    "shipping": "500",
    "lines": [{"id": 70, "qty": 2, "price": "1200", "fulfilled": 0}],
    "payments": [{"id": 700, "amount": "2900"}],
}


TOY_TOKEN = "toy-token-123456"


class ToySettings(uo.AdapterSettings):
    token: str = TOY_TOKEN


class ToyAdapter(uo.Adapter):
    platform = "toy"
    restock_policy = uo.RestockPolicy(
        unfulfilled=frozenset({uo.Restock.CANCEL, uo.Restock.NO_RESTOCK}),
        fulfilled=frozenset({uo.Restock.NO_RESTOCK, uo.Restock.RETURN}),
        fulfilled_digital=frozenset({uo.Restock.NO_RESTOCK}),
    )
    calculates_refunds = False

    @property
    def capabilities(self) -> frozenset[uo.Capability]:
        return frozenset({uo.Capability.ORDERS_GET, uo.Capability.REFUNDS_CALCULATE})

    @property
    def base_url(self) -> str:
        return "https://toy.example/api/"

    def static_headers(self) -> Mapping[str, str]:
        assert isinstance(self.settings, ToySettings)
        return {"authorization": f"Token {self.settings.token}"}

    def secrets(self) -> list[str]:
        assert isinstance(self.settings, ToySettings)
        return [self.settings.token]

    def hint(self, capability: uo.Capability) -> str:
        return "the toy platform only reads orders"

    def get_order(self, order_id: str) -> Op[uo.Order]:
        response = yield Request("GET", f"orders/{order_id}")
        body: dict[str, Any] = response.body
        money = lambda amount: uo.Money.of(amount, body["currency"])  # noqa: E731
        lines = [
            uo.LineItem(
                id=str(line["id"]),
                quantity=line["qty"],
                current_quantity=line["qty"],
                fulfilled_quantity=line["fulfilled"],
                unit_price=money(line["price"]),
                total=money(line["price"]) * line["qty"],
            )
            for line in body["lines"]
        ]
        payments = [
            uo.Transaction(
                id=str(p["id"]),
                kind=uo.TransactionKind.SALE,
                status=uo.TransactionStatus.SUCCESS,
                amount=money(p["amount"]),
            )
            for p in body["payments"]
        ]
        subtotal = uo.Money.sum((line.total for line in lines), body["currency"])
        return uo.Order(
            id=str(body["id"]),
            platform=self.platform,
            currency=body["currency"],
            status=uo.OrderStatus.parse(body["state"]),
            platform_status=body["state"],
            lines=lines,
            transactions=payments,
            shipping=money(body["shipping"]),
            subtotal=subtotal,
            tax=uo.Money.zero(body["currency"]),
            total=subtotal + money(body["shipping"]),
            raw=body,
        )


class ToyPlugin:
    @uo.hookimpl
    def unified_orders_adapters(self) -> list[uo.AdapterSpec]:
        return [
            uo.AdapterSpec(
                platform="toy",
                factory=ToyAdapter,
                settings=ToySettings,
                capabilities=frozenset({uo.Capability.ORDERS_GET}),
                version="0.0.1",
            )
        ]

"""A throwaway adapter, registered through pluggy in the test, driven end to end via uo.connect."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

import unified_orders as uo
from unified_orders import plugins
from unified_orders.adapter import Op, Request

ORDER = {
    "id": 7,
    "currency": "JPY",
    "state": "open",
    "shipping": "500",
    "lines": [{"id": 70, "qty": 2, "price": "1200", "fulfilled": 0}],
    "payments": [{"id": 700, "amount": "2900"}],
}


class ToySettings(uo.AdapterSettings):
    token: str = "toy-token-123456"


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


@pytest.fixture
def toy() -> Iterator[None]:
    plugins.pm.register(ToyPlugin(), name="toy-plugin")
    try:
        yield
    finally:
        plugins.pm.unregister(name="toy-plugin")


def handler(request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"] == "Token toy-token-123456"
    if request.url.path == "/api/orders/7":
        return httpx.Response(200, json=ORDER)
    return httpx.Response(404, json={"detail": "Not found."})


def test_registered_adapter_is_listed(toy: None) -> None:
    info = uo.adapters()["toy"]
    assert info.plugin == "toy-plugin"
    assert info.version == "0.0.1"
    assert info.error is None


def test_canonical_call_through_an_injected_transport(toy: None) -> None:
    store = uo.connect("toy", transport=httpx.MockTransport(handler))
    order = store.orders.get("7")
    assert order.id == "7"
    assert order.total == uo.Money.of("2900", "JPY")
    assert order.raw == ORDER
    calculation = store.refunds.calculate(
        order, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="70", quantity=1)])
    )
    assert calculation.total == uo.Money.of("1200", "JPY")
    assert calculation.lines[0].restock is uo.Restock.CANCEL  # inferred: unfulfilled
    assert [(a.transaction_id, a.amount.amount) for a in calculation.transactions] == [("700", 1200)]


def test_capability_gate_refuses_before_any_request(toy: None) -> None:
    sent: list[httpx.Request] = []

    def counting(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return handler(request)

    store = uo.connect("toy", transport=httpx.MockTransport(counting))
    with pytest.raises(uo.UnsupportedOperation) as caught:
        store.refunds.create("7", uo.RefundRequest(lines=[]))
    assert caught.value.platform == "toy"
    assert caught.value.operation == "refunds.create"
    assert "only reads orders" in caught.value.hint
    assert sent == []


def test_platform_errors_are_typed(toy: None) -> None:
    store = uo.connect("toy", transport=httpx.MockTransport(handler))
    with pytest.raises(uo.NotFound) as caught:
        store.orders.get("8")
    assert caught.value.status == 404


def test_async_store_runs_the_same_operation(toy: None) -> None:
    import asyncio

    async def main() -> uo.Order:
        async with uo.connect_async("toy", transport=httpx.MockTransport(handler)) as store:
            return await store.orders.get("7")

    assert asyncio.run(main()).id == "7"


def test_unknown_platform_lists_registered_ones(toy: None) -> None:
    with pytest.raises(uo.ConfigurationError, match="registered platforms: .*toy"):
        uo.connect("nope")


def test_settings_are_validated_with_clear_messages(toy: None) -> None:
    with pytest.raises(uo.ConfigurationError, match="invalid settings for toy: colour: Extra"):
        uo.connect("toy", colour="red")


def test_duplicate_platform_names_both_plugins(toy: None) -> None:
    plugins.pm.register(ToyPlugin(), name="second-toy")
    try:
        with pytest.raises(uo.ConfigurationError, match="'toy-plugin' and 'second-toy'"):
            uo.adapters()
    finally:
        plugins.pm.unregister(name="second-toy")

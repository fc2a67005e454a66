"""A throwaway adapter, registered through pluggy in the test, driven end to end via uo.connect."""

from __future__ import annotations

import httpx
import pytest
from toy import ORDER, TOY_TOKEN, ToyPlugin

import unified_orders as uo
from unified_orders import plugins


def handler(request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"] == f"Token {TOY_TOKEN}"
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
    assert [(a.transaction_id, a.amount.amount) for a in calculation.transactions] == [
        ("700", 1200)
    ]


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

"""The sandbox enforces Shopware's documented rules."""

from __future__ import annotations

from typing import Any

from unified_orders_adapters.shopware import states as machines
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

JSON = {"accept": "application/json"}


def authed(emulator: ShopwareEmulator) -> dict[str, str]:
    status, body, _ = emulator.handle(
        "POST",
        "/api/oauth/token",
        {},
        {},
        {
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
    )
    assert status == 200
    assert body["expires_in"] == 600
    return {**JSON, "authorization": f"Bearer {body['access_token']}"}


def call(emulator: ShopwareEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, payload, _ = emulator.handle(method, path, {}, authed(emulator), body)
    return status, payload


def first(emulator: ShopwareEmulator, entity: str) -> str:
    return next(iter(emulator.table(entity)))


def test_tokens_expire_after_600_seconds() -> None:
    now = [0.0]
    emulator = ShopwareEmulator(clock=lambda: now[0])
    headers = authed(emulator)
    assert emulator.handle("POST", "/api/search/order", {}, headers, {})[0] == 200
    now[0] = 600
    status, body, _ = emulator.handle("POST", "/api/search/order", {}, headers, {})
    assert status == 401
    assert body["errors"][0]["status"] == "401"


def test_limit_above_500_is_refused_and_pages_are_stable() -> None:
    emulator = ShopwareEmulator()
    emulator.seed_orders(7)
    status, body = call(emulator, "POST", "/api/search/order", {"limit": 501})
    assert (status, body["errors"][0]["code"]) == (400, "FRAMEWORK__QUERY_LIMIT_EXCEEDED")
    pages = [
        call(
            emulator,
            "POST",
            "/api/search/order",
            {"limit": 5, "page": p, "sort": [{"field": "createdAt"}]},
        )[1]["data"]
        for p in (1, 2, 3, 4)
    ]
    assert [len(p) for p in pages] == [5, 5, 5, 2]  # ten demo orders and seven generated
    assert "lineItems" not in pages[0][0]  # associations only when asked


def test_seed_orders_is_deterministic() -> None:
    a, b = ShopwareEmulator(), ShopwareEmulator()
    assert a.seed_orders(3) == b.seed_orders(3)
    assert a.dump_state() == b.dump_state()


def test_dump_and_load_state_round_trip_exact_amounts() -> None:
    import json

    emulator = ShopwareEmulator()
    dumped = emulator.dump_state()
    json.dumps(dumped)
    other = ShopwareEmulator(seed=False)
    other.load_state(dumped)
    assert other.table("order") == emulator.table("order")


def test_illegal_transition_reports_state_id_and_possible_actions() -> None:
    emulator = ShopwareEmulator()
    order_id = first(emulator, "order")
    status, body = call(emulator, "POST", f"/api/_action/order/{order_id}/state/reopen", {})
    error = body["errors"][0]
    assert (status, error["code"]) == (400, "SYSTEM__ILLEGAL_STATE_TRANSITION")
    assert error["meta"]["parameters"]["currentState"] == emulator.state_id(
        machines.ORDER_MACHINE, "in_progress"
    )
    assert error["meta"]["parameters"]["possibleTransitions"] == ["cancel", "complete"]


def test_repeating_an_action_into_the_current_state_is_a_no_op() -> None:
    emulator = ShopwareEmulator()
    delivery = next(
        d
        for d in emulator.table("order_delivery").values()
        if d["stateId"] == emulator.state_id(machines.DELIVERY_MACHINE, "shipped")
    )
    status, body = call(
        emulator, "POST", f"/api/_action/order_delivery/{delivery['id']}/state/ship", {}
    )
    assert (status, body["technicalName"]) == (200, "shipped")


def test_cancel_shortcut_only_on_6_6() -> None:
    for version, expected in (("6.6", 200), ("6.7", 400)):
        emulator = ShopwareEmulator(version=version)
        completed = next(
            o
            for o in emulator.table("order").values()
            if o["stateId"] == emulator.state_id(machines.ORDER_MACHINE, "completed")
        )
        status, _ = call(emulator, "POST", f"/api/_action/order/{completed['id']}/state/cancel", {})
        assert status == expected


def test_pay_exists_only_on_6_6() -> None:
    for version, expected in (("6.6", 200), ("6.7", 400)):
        emulator = ShopwareEmulator(version=version)
        unpaid = next(
            x
            for x in emulator.table("order_transaction").values()
            if x["stateId"] == emulator.state_id(machines.TRANSACTION_MACHINE, "open")
        )
        assert (
            call(emulator, "POST", f"/api/_action/order_transaction/{unpaid['id']}/state/pay", {})[
                0
            ]
            == expected
        )


def test_state_cannot_be_patched() -> None:
    emulator = ShopwareEmulator()
    delivery = first(emulator, "order_delivery")
    status, body = call(emulator, "PATCH", f"/api/order-delivery/{delivery}", {"stateId": "0" * 32})
    assert status == 400
    assert "state-transition" in body["errors"][0]["detail"]


def test_refund_action_needs_an_open_refund_and_a_handler() -> None:
    emulator = ShopwareEmulator()
    status, body = call(
        emulator, "POST", f"/api/_action/order_transaction_capture_refund/{'0' * 32}"
    )
    assert (status, body["errors"][0]["code"]) == (400, "CHECKOUT__REFUND_UNKNOWN_ERROR")
    capture = first(emulator, "order_transaction_capture")
    refund = {
        "id": "1" * 32,
        "captureId": capture,
        "stateId": emulator.state_id(machines.REFUND_MACHINE, "open"),
        "amount": {"unitPrice": 1, "totalPrice": 1, "quantity": 1},
    }
    assert call(emulator, "POST", "/api/order-transaction-capture-refund", refund)[0] == 204
    assert (
        call(emulator, "POST", "/api/order-transaction-capture-refund", refund)[0] == 400
    )  # same id
    assert (
        call(emulator, "POST", f"/api/_action/order_transaction_capture_refund/{'1' * 32}")[0]
        == 204
    )
    status, body = call(
        emulator, "POST", f"/api/_action/order_transaction_capture_refund/{'1' * 32}"
    )
    assert body["errors"][0]["code"] == "CHECKOUT__REFUND_INVALID_TRANSITION_ERROR"


def test_commercial_routes_vanish_without_the_licence() -> None:
    emulator = ShopwareEmulator(commercial=False)
    order_id = first(emulator, "order")
    for method, path in (
        ("POST", f"/api/_proxy/order/{order_id}/return"),
        ("POST", "/api/search/order-return"),
    ):
        status, body = call(emulator, method, path, {"lineItems": []})
        assert status == 404
        assert body["errors"][0]["detail"].startswith("No route found")
    emulator.commercial = True
    assert call(emulator, "POST", "/api/search/order-return", {})[0] == 200


def test_a_line_cannot_be_returned_twice_in_one_return() -> None:
    emulator = ShopwareEmulator()
    line = next(iter(emulator.table("order_line_item").values()))
    status, created = call(
        emulator,
        "POST",
        f"/api/_proxy/order/{line['orderId']}/return",
        {"lineItems": [{"orderLineItemId": line["id"], "quantity": 1}]},
    )
    assert status == 200
    status, body = call(
        emulator,
        "POST",
        f"/api/_action/order/{line['orderId']}/order-return/{created['id']}/add-items",
        {"orderLineItems": [{"orderLineItemId": line["id"], "quantity": 1}]},
    )
    assert status == 400
    assert "already part of the return" in body["errors"][0]["detail"]


def test_json_api_without_accept_json_is_refused() -> None:
    emulator = ShopwareEmulator()
    headers = authed(emulator)
    headers["accept"] = "*/*"
    assert emulator.handle("POST", "/api/search/order", {}, headers, {})[0] == 406

"""Every order a Next Commerce store can hold is read completely, and refunded only as the
platform can take it (issue 13): orders in a withdrawn currency (BGN) and in a three-decimal one
(KWD), amounts the platform cannot hold refused rather than rounded, and an order that cannot be
read never failing a listing or a sync. The sandbox produces these orders on request
(``sandbox_currency_orders``, ``sandbox_unreadable_order``); the demo orders stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from unified_orders_adapters.nextcommerce.rules import MONEY_DECIMALS
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.sync import run_sync

DEMO = ["10001", "10002", "10003", "10004", "10005"]
BGN, KWD, UNREADABLE = "20001", "20002", "20003"


def money(amount: str, currency: str, shop: tuple[str, str] | None = None) -> uo.Money:
    return uo.Money.of(
        amount, currency, shop=uo.Money.of(shop[0], shop[1]) if shop is not None else None
    )


@pytest.fixture
def recorded() -> Iterator[tuple[uo.Store, RecordingTransport, NextCommerceEmulator]]:
    emulator = NextCommerceEmulator(currency_orders=True)
    transport = RecordingTransport(emulator_transport(emulator))
    with uo.connect("nextcommerce", sandbox=True, transport=transport) as store:
        yield store, transport, emulator


# --- the sandbox produces them, on request only ------------------------------------------------------
def test_the_demo_orders_stay_and_the_extra_orders_come_on_request() -> None:
    plain = uo.connect("nextcommerce", sandbox=True)
    assert [o.id for o in plain.orders.list()] == DEMO
    extra = uo.connect("nextcommerce", sandbox=True, sandbox_currency_orders=True)
    assert [o.id for o in extra.orders.list()] == [*DEMO, BGN, KWD]
    # the demo orders are the very same orders, ids included
    assert [extra.orders.get(n) for n in DEMO] == [plain.orders.get(n) for n in DEMO]
    unreadable = uo.connect("nextcommerce", sandbox=True, sandbox_unreadable_order=True)
    failures = [f.id for page in unreadable.orders.pages() for f in page.failures]
    assert failures == [UNREADABLE]


def test_a_real_store_ignores_the_sandbox_only_settings() -> None:
    real = uo.connect(
        "nextcommerce", store="acme", access_token="tok-123456", sandbox_currency_orders=True
    )
    assert real.adapter.emulator() is None


# --- any currency the platform reports is readable ------------------------------------------------------
def test_an_order_in_a_withdrawn_currency_reads_exactly(
    recorded: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, _, _ = recorded
    order = store.orders.get(BGN)
    assert (order.currency, order.shop_currency) == ("BGN", "EUR")
    assert order.total == money("153.00", "BGN", ("78.23", "EUR"))
    assert order.subtotal.amount == Decimal("144.00")  # issue 15: tax included, as the total
    assert order.tax.amount == Decimal("25.50")
    assert order.shipping == money("9.00", "BGN", ("4.60", "EUR"))
    hoodie, mug = order.lines
    assert hoodie.unit_price == money("114.00", "BGN", ("58.29", "EUR"))
    assert (mug.quantity, mug.total.amount) == (2, Decimal("30.00"))
    assert order.financial_status is uo.FinancialStatus.PAID
    assert order.fulfillment_status is uo.FulfillmentStatus.PARTIALLY_FULFILLED
    assert order.total.rounding_known
    assert order.total.minor_unit == 2


def test_an_order_in_a_three_decimal_currency_reads_exactly(
    recorded: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, _, _ = recorded
    order = store.orders.get(KWD)
    assert (order.currency, order.shop_currency) == ("KWD", "USD")
    # the platform keeps two decimals; the amounts are the platform's, not re-rounded
    assert order.total == money("17.50", "KWD", ("57.05", "USD"))
    assert order.total.amount.as_tuple().exponent == -2
    assert order.total.minor_unit == 3
    assert order.shipping.amount == Decimal("2.50")
    assert [(line.quantity, line.unit_price.amount) for line in order.lines] == [
        (2, Decimal("7.50"))
    ]
    assert order.tax.amount == Decimal("0.00")


def test_listing_reads_both_and_refunds_work_in_them(
    recorded: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, _, _ = recorded
    listed = {o.id: o for o in store.orders.list()}
    assert listed[BGN] == store.orders.get(BGN)
    assert listed[KWD] == store.orders.get(KWD)
    bgn_mug = listed[BGN].lines[1]
    refund = store.refunds.create(
        BGN,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=bgn_mug.id, quantity=1)]),
        idempotency_key="bgn-1",
    )
    assert refund.total == money("15.00", "BGN", ("7.67", "EUR"))
    assert refund.lines[0].restock is uo.Restock.CANCEL  # the mug was not shipped
    assert refund.idempotency_key == "bgn-1"


# --- amounts the platform cannot take are refused, never rounded ------------------------------------------
def test_the_two_decimal_limit_is_the_specs(shared: Path) -> None:
    spec = yaml.safe_load((shared / "specs" / "nextcommerce" / "2024-04-01.yaml").read_text())
    schemas = spec["components"]["schemas"]
    for pattern in (
        schemas["RefundShippingRequest"]["properties"]["amount_excl_tax"]["pattern"],
        schemas["RefundTransactionRequest"]["properties"]["amount"]["pattern"],
    ):
        found = re.search(r"\\\.\\d\{0,(\d+)\}", pattern)
        assert found is not None, pattern
        assert int(found.group(1)) == MONEY_DECIMALS


def test_a_kwd_shipping_refund_the_platform_cannot_hold_is_refused_before_any_request(
    recorded: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, transport, _ = recorded
    order = store.orders.get(KWD)
    sent = len(transport.exchanges)
    request = uo.RefundRequest(shipping=uo.ShippingRefund(amount=Decimal("1.125")))
    for call in (
        lambda: store.refunds.calculate(order, request),
        lambda: store.refunds.create(order, request),
    ):
        with pytest.raises(uo.InvalidRequest) as caught:
            call()
        (problem,) = caught.value.problems
        assert problem.path == "shipping.amount"
        assert "1.125 KWD" in problem.message
        assert "1.12 or 1.13" in problem.message  # not silently 1.13
    assert len(transport.exchanges) == sent, "nothing may be sent for an amount refused"
    assert store.orders.get(KWD).refunds == []


def test_a_kwd_shipping_refund_that_fits_is_sent_as_it_is(
    recorded: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, transport, _ = recorded
    request = uo.RefundRequest(shipping=uo.ShippingRefund(amount=Decimal("1.250")))
    refund = store.refunds.create(KWD, request, idempotency_key="kwd-ship")
    (sent,) = [e for e in transport.exchanges if e.path.endswith(f"/{KWD}/refund/")]
    assert sent.body["refund_shipping"] == {"amount_excl_tax": "1.25", "full_refund": False}
    assert refund.total == money("1.25", "KWD", ("4.08", "USD"))
    assert refund.shipping is not None
    assert refund.shipping.amount.amount == Decimal("1.25")


def test_the_sandbox_refuses_more_than_two_decimals_as_the_platform_does() -> None:
    emulator = NextCommerceEmulator(currency_orders=True)
    headers = {"authorization": "Bearer t", "x-29next-api-version": "2024-04-01"}
    status, body, _ = emulator.handle(
        "POST",
        f"/api/admin/orders/{KWD}/refund/calculate/",
        {},
        headers,
        {"refund_shipping": {"amount_excl_tax": "1.125"}},
    )
    assert (status, body) == (
        400,
        {
            "refund_shipping": {
                "amount_excl_tax": ["Ensure that there are no more than 2 decimal places."]
            }
        },
    )
    status, body, _ = emulator.handle(
        "POST",
        f"/api/admin/orders/{KWD}/refund/",
        {},
        headers,
        {"transactions": [{"id": 1, "amount": "1.125"}], "refund_shipping": {"full_refund": True}},
    )
    assert status == 400


def test_a_refund_in_a_currency_without_a_known_minor_unit_names_it() -> None:
    emulator = NextCommerceEmulator(currency_orders=True)
    emulator.state["orders"][KWD]["currency"] = "USDC"  # a code no ISO table has
    emulator.changed()
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect("nextcommerce", sandbox=True, transport=transport)
    order = store.orders.get(KWD)  # readable: the amounts keep the platform's decimals
    assert order.total.amount == Decimal("17.50")
    assert order.currency == "USDC"
    assert not order.total.rounding_known
    sent = len(transport.exchanges)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)])
    with pytest.raises(uo.InvalidRequest) as caught:
        store.refunds.create(order, request)
    assert any(p.path == "currency" and "USDC" in p.message for p in caught.value.problems)
    assert len(transport.exchanges) == sent


# --- one order that cannot be read never fails a listing ------------------------------------------------
@pytest.mark.parametrize("kind", ["malformed", "error"])
def test_an_unreadable_order_is_a_page_failure_not_a_failed_page(kind: str) -> None:
    store = uo.connect("nextcommerce", sandbox=True, retry_backoff=0)
    assert isinstance(store.sandbox, NextCommerceEmulator)
    store.sandbox.seed_unreadable_order(kind)
    pages = list(store.orders.pages())
    assert [[o.id for o in p.items] for p in pages] == [DEMO[:4], DEMO[4:]]
    assert [[f.id for f in p.failures] for p in pages] == [[], [UNREADABLE]]
    (failure,) = pages[1].failures
    assert "PlatformError" in failure.error
    if kind == "malformed":
        assert "no currency" in failure.error
    # the library listing yields every good order first, then names the one it could not read
    seen: list[str] = []
    listing = store.orders.list()
    seen.extend(next(listing).id for _ in DEMO)
    with pytest.raises(uo.PlatformError, match=r"1 order\(s\) could not be read: 20003: "):
        next(listing)
    assert seen == DEMO
    # reading it alone is a typed error too, never a bare KeyError or ValueError
    with pytest.raises(uo.PlatformError):
        store.orders.get(UNREADABLE)


def test_a_null_currency_is_not_read_as_a_currency_called_none() -> None:
    store = uo.connect("nextcommerce", sandbox=True, sandbox_unreadable_order=True)
    with pytest.raises(uo.PlatformError, match="has no currency") as caught:
        store.orders.get(UNREADABLE)
    assert caught.value.code == "unreadable_response"


# --- sync exercises them ----------------------------------------------------------------------------------
def _one(db: Path, sql: str, *args: Any) -> Any:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(args)).fetchone()


def test_sync_reads_every_currency_and_records_the_unreadable_order(tmp_path: Path) -> None:
    db = tmp_path / "nc.duckdb"
    store = uo.connect_async(
        "nextcommerce",
        sandbox=True,
        sandbox_currency_orders=True,
        sandbox_unreadable_order=True,
    )
    (result,) = run_sync({"nc": store}, db).results
    assert result.ok, result.error
    assert (result.orders, result.unreadable) == (7, 1)
    assert _one(db, "SELECT count(*) FROM orders WHERE store = 'nc'") == (7,)
    assert _one(
        db,
        "SELECT currency, shop_currency, total, total_shop, shipping FROM orders WHERE id = ?",
        BGN,
    ) == ("BGN", "EUR", Decimal("153.00"), Decimal("78.23"), Decimal("9.00"))
    assert _one(
        db, "SELECT currency, shop_currency, total, total_shop FROM orders WHERE id = ?", KWD
    ) == ("KWD", "USD", Decimal("17.50"), Decimal("57.05"))
    order_id, error = _one(db, "SELECT order_id, error FROM sync_errors WHERE store = 'nc'")
    assert order_id == UNREADABLE
    assert "no currency" in error
    # a full run never marks the unreadable order (or any other) deleted
    again = run_sync({"nc": store}, db, full=True).results[0]
    assert again.ok, again.error
    assert again.deleted == 0
    assert _one(db, "SELECT count(*) FROM orders WHERE deleted_at IS NOT NULL") == (0,)

"""Orders in another currency than the shop's, in currencies ISO 4217 withdrew or never had, and a
listing that one unreadable order never fails (issue 13), against the Shopware sandbox."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from shopware_helpers import Recorded

import unified_orders as uo
from unified_orders.sync.runner import run_sync


def shop(amount: str) -> uo.Money:
    return uo.Money.of(amount, "EUR")


# --- Money.shop from currencyFactor ---------------------------------------------------------------
def test_a_foreign_currency_order_carries_every_amount_in_the_shops_currency(
    sw: Recorded,
) -> None:
    order = sw.order("10005")  # USD, currencyFactor 1.08; the shop's own currency is EUR
    assert (order.currency, order.shop_currency) == ("USD", "EUR")
    assert order.raw["currencyFactor"] == Decimal("1.08")
    assert order.total == uo.Money.of("129.00", "USD", shop=shop("119.44"))  # 129.00 / 1.08
    assert order.shipping.shop == shop("13.89")
    assert [x.total.shop for x in order.lines] == [shop("82.41"), shop("23.15")]
    assert [t.amount.shop for t in order.transactions] == [shop("119.44")] * 2
    assert order.lines[0].total.amount == Decimal("89.00")  # the customer's figures unchanged


def test_a_withdrawn_currency_reads_in_full_and_in_the_shops_currency(sw: Recorded) -> None:
    order = sw.order("10009")  # BGN: withdrawn from ISO 4217 when Bulgaria adopted the euro
    assert order.currency == "BGN"
    assert order.total == uo.Money.of("54.80", "BGN", shop=shop("28.02"))  # / 1.95583
    assert order.lines[0].total == uo.Money.of("49.80", "BGN", shop=shop("25.46"))
    assert order.total.minor_unit == 2
    refund = sw.store.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
    )
    assert refund.total.amount == Decimal("24.90")
    after = sw.store.orders.get(order.id)
    assert after.refunds[0].total == uo.Money.of("24.90", "BGN", shop=shop("12.73"))


def test_orders_in_the_shops_own_currency_name_it(sw: Recorded) -> None:
    order = sw.order("10001")
    assert (order.currency, order.shop_currency) == ("EUR", "EUR")
    assert order.total.shop is None  # the same figures: nothing to convert


def test_a_currency_iso_never_had_reads_with_the_shops_own_rounding(sw: Recorded) -> None:
    order = sw.order("10010")  # USDC: no ISO 4217 code; the shop rounds it to 2 decimals
    assert order.currency == "USDC"
    assert order.total == uo.Money.of("15.10", "USDC", shop=shop("13.98"))
    line_id = order.lines[0].id
    row = sw.emulator.table("order_line_item")[line_id]
    row["price"]["totalPrice"] = Decimal("12.600000000000001")  # a PHP float, as sent
    assert sw.store.orders.get(order.id).lines[0].total == uo.Money.of(
        "12.60", "USDC", shop=shop("11.67")
    )
    sw.emulator.table("order")[order.id]["itemRounding"]["decimals"] = 3
    assert str(sw.store.orders.get(order.id).lines[0].total.amount) == "12.600"
    with pytest.raises(uo.InvalidRequest, match="USDC") as caught:
        sw.store.refunds.create(
            order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line_id, quantity=1)])
        )
    assert [p.path for p in caught.value.problems] == ["currency"]


def test_sync_reports_every_order_in_the_shops_currency(tmp_path: Path) -> None:
    store = uo.connect_async("shopware", sandbox=True)
    db = tmp_path / "s.duckdb"
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT number, currency, shop_currency, total, total_shop FROM orders "
            "WHERE number IN ('10001', '10005', '10009', '10010') ORDER BY number"
        ).fetchall()
    assert rows == [
        ("10001", "EUR", "EUR", Decimal("57.47"), Decimal("57.47")),
        ("10005", "USD", "EUR", Decimal("129.00"), Decimal("119.44")),
        ("10009", "BGN", "EUR", Decimal("54.80"), Decimal("28.02")),
        ("10010", "USDC", "EUR", Decimal("15.10"), Decimal("13.98")),
    ]
    asyncio.run(store.aclose())


# --- one unreadable order never fails a listing --------------------------------------------------------
def _break(sw: Recorded, number: str) -> str:
    order_id = sw.order(number).id
    for row in sw.emulator.table("order_line_item").values():
        if row["orderId"] == order_id:
            row["price"]["totalPrice"] = "lots"  # no amount at all
    return order_id


def test_an_unreadable_order_is_a_page_failure_not_a_failed_listing(sw: Recorded) -> None:
    broken = _break(sw, "10002")
    pages = list(sw.store.orders.pages())
    assert len(pages) == 1
    [failure] = pages[0].failures
    assert failure.id == broken
    assert "InvalidOperation" in failure.error or "lots" in failure.error
    numbers = [o.number for o in pages[0].items]
    assert len(numbers) == 9
    assert "10002" not in numbers
    with pytest.raises(uo.PlatformError, match=broken):  # never a listing short without a word
        list(sw.store.orders.list())
    with pytest.raises(uo.PlatformError, match=f"order {broken} could not be read"):
        sw.store.orders.get(broken)


def test_a_listing_page_by_page_names_the_unreadable_order_on_its_page() -> None:
    recorded = Recorded(page_size=4)
    broken = _break(recorded, "10006")
    pages = list(recorded.store.orders.pages())
    assert [len(p.items) for p in pages] == [4, 3, 2]
    assert [[f.id for f in p.failures] for p in pages] == [[], [broken], []]


def test_a_migrated_order_keeps_its_currencys_factor(sw: Recorded) -> None:
    source = sw.order("10005")
    created = sw.store.orders.create(
        source.model_copy(update={"platform": "shopify", "id": "gid-5", "refunds": []})
    )
    assert created.raw["currencyFactor"] == Decimal("1.08")
    assert created.total == source.total  # 129.00 USD, 119.44 EUR

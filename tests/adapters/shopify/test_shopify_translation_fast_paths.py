"""The Shopify translators' fast paths build exactly what their plain versions built.

GID parsing, ``MoneyBag``/``*_set`` amounts (the presentment side reuses the shop side's Decimal
when both say the same text), addresses (``blank`` only where a text is not a plain non-blank
string), the shared zero line discount, and ``orders.get`` (no details translated) are compared
with the plain ways, value for value and type for type (Decimal digits, fields set, field order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from unified_orders_adapters.shopify.graphql.translate import orders as gql_orders
from unified_orders_adapters.shopify.graphql.translate import values as gql_values
from unified_orders_adapters.shopify.rest.translate import values as rest_values
from unified_orders_adapters.shopify.vocabulary import amount_of, blank

import unified_orders as uo
from unified_orders.models import Address, Money
from unified_orders.testing.identical import assert_identical


# --- the plain ways ------------------------------------------------------------------------
def _plain_legacy(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = value if type(value) is str else str(value)
    if text.startswith("gid://"):
        text = text[text.rfind("/") + 1 :]
        if "?" in text:
            text = text.split("?", 1)[0]
    return text


def _plain_money(bag: Any, currency: str) -> Money:
    if not bag:
        return Money.zero(currency)
    shop_part = bag.get("shopMoney")
    part = bag.get("presentmentMoney") or shop_part
    shop = None
    if shop_part:
        shop = Money.of(
            amount_of(shop_part.get("amount")), shop_part.get("currencyCode") or currency
        )
    if not part:
        return Money.of("0", currency, shop=shop)
    return Money.of(amount_of(part.get("amount")), part.get("currencyCode") or currency, shop=shop)


def _plain_money_from_set(bag: Any, fallback: str) -> Money:
    if not bag:
        return Money.zero(fallback)
    shop_bag = bag.get("shop_money") or {}
    pres_bag = bag.get("presentment_money") or shop_bag
    shop = (
        Money.of(
            amount_of(shop_bag.get("amount", "0")),
            shop_bag.get("currency_code") or shop_bag.get("currency") or fallback,
        )
        if shop_bag
        else None
    )
    currency = pres_bag.get("currency_code") or pres_bag.get("currency") or fallback
    return Money.of(amount_of(pres_bag.get("amount", "0")), currency, shop=shop)


# --- the cases -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [None, "", "123", "gid://shopify/Order/123", "gid://shopify/Order/123?x=1", 123, "gid://x/"],
)
def test_legacy_reads_ids_as_before(value: Any) -> None:
    assert_identical(gql_values.legacy(value), _plain_legacy(value))


def _bag(shop: tuple[Any, str] | None, pres: tuple[Any, str] | None) -> dict[str, Any]:
    bag: dict[str, Any] = {}
    if shop is not None:
        bag["shopMoney"] = {"amount": shop[0], "currencyCode": shop[1]}
    if pres is not None:
        bag["presentmentMoney"] = {"amount": pres[0], "currencyCode": pres[1]}
    return bag


BAGS = [
    _bag(("45.00", "USD"), ("45.00", "USD")),
    _bag(("45.00", "USD"), ("45.00", "EUR")),
    _bag(("45.00", "USD"), ("41.50", "EUR")),
    _bag(("45", "USD"), ("45.00", "USD")),
    _bag(("1000", "JPY"), ("1000", "JPY")),
    _bag((Decimal("45.00"), "USD"), ("45.00", "USD")),
    _bag(("45.00", "USD"), (Decimal("45.00"), "USD")),
    _bag((7, "USD"), (7, "USD")),
    _bag(("45.00", "USD"), None),
    _bag(None, ("45.00", "USD")),
    {},
    None,
]


@pytest.mark.parametrize("bag", BAGS)
def test_money_bags_read_as_before(bag: Any) -> None:
    assert_identical(gql_values.money(bag, "USD"), _plain_money(bag, "USD"))


@pytest.mark.parametrize("bag", BAGS)
def test_rest_money_sets_read_as_before(bag: Any) -> None:
    rest = None
    if bag is not None:
        rest = {
            {"shopMoney": "shop_money", "presentmentMoney": "presentment_money"}[key]: {
                "amount": part["amount"],
                "currency_code": part["currencyCode"],
            }
            for key, part in bag.items()
        }
    assert_identical(rest_values.money_from_set(rest, "USD"), _plain_money_from_set(rest, "USD"))


TEXTS = [None, "", "   ", "x", " x ", 5]


@pytest.mark.parametrize("text", TEXTS)
def test_addresses_read_their_texts_as_blank_does(text: Any) -> None:
    keys = ["firstName", "lastName", "company", "address1", "address2", "city", "provinceCode"]
    keys += ["zip", "countryCodeV2", "phone"]
    node = {key: text for key in keys}
    fields = dict(zip(Address.model_fields, [None, *(blank(text) for _ in keys)], strict=True))
    plain = Address(**{**fields, "raw": node})
    assert_identical(gql_orders.address_from_graphql(node), plain)
    rest_keys = ["first_name", "last_name", "company", "address1", "address2", "city"]
    rest_keys += ["province_code", "zip", "country_code", "phone"]
    rest_node = {key: text for key in rest_keys}
    assert_identical(
        rest_values.address_from_rest(rest_node), Address(**{**fields, "raw": rest_node})
    )


@pytest.mark.parametrize(
    "unit_price",
    [
        Money.of("45.00", "USD", shop=Money.of("45.00", "USD")),
        Money.of("41.50", "EUR", shop=Money.of("45.00", "USD")),
        Money.of("1000", "JPY"),
    ],
)
def test_the_shared_zero_discount_is_the_one_built_per_line(unit_price: Money) -> None:
    shop = unit_price.shop
    plain = Money.of(
        Money.zero(unit_price.currency).amount,
        unit_price.currency,
        shop=Money.zero(shop.currency) if shop else None,
    )
    for _ in range(2):  # built, then shared
        assert_identical(gql_orders._zero_discount(unit_price), plain)


def test_orders_get_reads_the_order_read_order_reads() -> None:
    """``orders.get`` skips the details' translation; its order is the one with details."""
    with uo.connect("shopify", sandbox=True) as store:
        emulator = store.sandbox
        assert emulator is not None
        emulator.seed_orders(30)  # type: ignore[attr-defined]
        orders = list(store.orders.list())
        assert len(orders) > 10
        for listed in orders:
            read, details = store.run(store.adapter.read_order(listed.id))  # type: ignore[attr-defined]
            assert details.fulfillment_orders is not None
            assert_identical(store.orders.get(listed.id), read, listed.id)

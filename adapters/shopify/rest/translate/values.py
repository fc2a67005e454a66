"""REST values: ``*_set`` money bags and address objects, both ways."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.models import Address, Money

from ...vocabulary import amount_of, blank

__all__ = ["address_body", "address_from_rest", "money_from_set"]


def money_from_set(bag: Mapping[str, Any] | None, fallback_currency: str) -> Money:
    """Presentment Money (with the shop amount in ``.shop``) from a ``*_set`` bag.

    Accepts both spellings of the currency key: ``currency_code`` (everywhere) and ``currency``
    (``transactions[].total_unsettled_set``, a quirk in Shopify's own examples).
    """
    if not bag:
        return Money.zero(fallback_currency)
    shop_bag = bag.get("shop_money") or {}
    pres_bag = bag.get("presentment_money") or shop_bag

    shop = (
        Money.of(
            amount_of(shop_bag.get("amount", "0")),
            shop_bag.get("currency_code") or shop_bag.get("currency") or fallback_currency,
        )
        if shop_bag
        else None
    )
    currency = pres_bag.get("currency_code") or pres_bag.get("currency") or fallback_currency
    return Money.of(amount_of(pres_bag.get("amount", "0")), currency, shop=shop)


def address_from_rest(data: Mapping[str, Any] | None) -> Address | None:
    """A canonical Address from a REST address object."""
    if not data:
        return None
    return Address.trusted(
        first_name=blank(data.get("first_name")),
        last_name=blank(data.get("last_name")),
        company=blank(data.get("company")),
        line1=blank(data.get("address1")),
        line2=blank(data.get("address2")),
        city=blank(data.get("city")),
        province_code=blank(data.get("province_code")),
        postal_code=blank(data.get("zip")),
        country_code=blank(data.get("country_code")),
        phone=blank(data.get("phone")),
        raw=dict(data),
    )


def address_body(address: Address) -> dict[str, Any]:
    """A REST address object with only the fields the canonical address sets."""
    fields = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "province_code": address.province_code,
        "zip": address.postal_code,
        "country_code": address.country_code,
        "phone": address.phone,
    }
    return {key: value for key, value in fields.items() if value is not None}

"""REST values: ``*_set`` money bags and address objects, both ways."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.models import Address, Money

from ... import mapping
from ...vocabulary import amount_of

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

    shop = None
    if shop_bag:
        amount = shop_bag.get("amount", "0")
        shop = Money.of(
            amount if type(amount) is str else amount_of(amount),
            shop_bag.get("currency_code") or shop_bag.get("currency") or fallback_currency,
        )
    currency = pres_bag.get("currency_code") or pres_bag.get("currency") or fallback_currency
    amount = pres_bag.get("amount", "0")
    return Money.of(amount if type(amount) is str else amount_of(amount), currency, shop=shop)


#: Address fields (in field order) and the REST address keys they read.
_ADDRESS_FIELDS = (
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("company", "company"),
    ("line1", "address1"),
    ("line2", "address2"),
    ("city", "city"),
    ("province_code", "province_code"),
    ("postal_code", "zip"),
    ("country_code", "country_code"),
    ("phone", "phone"),
)


def address_from_rest(data: Mapping[str, Any] | None) -> Address | None:
    """A canonical Address from a REST address object (each text as :func:`blank` reads it; a
    non-blank string is kept without the call)."""
    return mapping.address(data, _ADDRESS_FIELDS)


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

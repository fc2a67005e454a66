"""GraphQL values: GIDs, enum words, connections and ``MoneyBag`` amounts."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.models import Money

from ...vocabulary import amount_of, money_of

__all__ = [
    "gid",
    "legacy",
    "lower",
    "money",
    "money_or_naught",
    "negated_money",
    "nodes",
    "presentment_amount",
    "presentment_money",
    "unpaged",
]


def legacy(value: Any) -> str | None:
    """The numeric id of a GID (``gid://shopify/Order/123`` -> ``"123"``); None stays None."""
    if type(value) is str:
        if not value.startswith("gid://"):
            return value or None
        text = value[value.rfind("/") + 1 :]
        return text.split("?", 1)[0] if "?" in text else text
    if value is None or value == "":
        return None
    text = str(value)
    if text.startswith("gid://"):
        text = text[text.rfind("/") + 1 :]
        if "?" in text:
            text = text.split("?", 1)[0]
    return text


def gid(kind: str, value: str, what: str = "id") -> str:
    """The GID of a canonical id: ``gid("Order", "123")`` -> ``gid://shopify/Order/123``.

    A GID of the same kind is accepted as is; anything else is refused before any request.
    """
    text = str(value).strip()
    prefix = f"gid://shopify/{kind}/"
    if text.startswith("gid://"):
        if not text.startswith(prefix):
            raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify {kind} id")])
        text = text[len(prefix) :].split("?", 1)[0]
    if not text.isdigit():
        raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify id (digits expected)")])
    return prefix + text


def lower(value: Any) -> str | None:
    """An enum value in REST's (lower-case) spelling; None stays None."""
    return str(value).lower() if value is not None else None


def nodes(connection: Any) -> list[Any]:
    """The nodes of a connection (``{"nodes": [...]}``), or a plain list as is."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    return list(connection.get("nodes") or [])


def unpaged(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``node`` with each of its connections as its nodes alone (``pageInfo`` left
    out: paging bookkeeping, which the bulk file lacks and a completed read rewrites)."""
    found = dict(node)
    for key, value in node.items():
        if type(value) is dict and "pageInfo" in value:
            found[key] = {"nodes": value.get("nodes") or []}
    return found


def money(bag: Mapping[str, Any] | None, currency: str) -> Money:
    """Presentment Money (with the shop amount in ``.shop``) from a ``MoneyBag``; zero (in
    ``currency``, at its precision) when the bag is absent. A side without a currency code is in
    ``currency``; a bag without ``presentmentMoney`` is in the shop's money."""
    if not bag:
        return Money.zero(currency)
    shop_part = bag.get("shopMoney")
    part = bag.get("presentmentMoney") or shop_part
    shop = None
    shop_text = None
    if shop_part:
        amount = shop_part.get("amount")
        shop_text = amount if type(amount) is str else amount_of(amount)
        shop = Money.of(shop_text, shop_part.get("currencyCode") or currency)
    if not part:
        return Money.of("0", currency, shop=shop)
    amount = part.get("amount")
    if shop is not None and type(amount) is str and amount == shop_text:
        # the shop side's text (one currency, or equal figures): its Decimal, parsed once
        return Money.of(shop.amount, part.get("currencyCode") or currency, shop=shop)
    return Money.of(
        amount if type(amount) is str else amount_of(amount),
        part.get("currencyCode") or currency,
        shop=shop,
    )


def money_or_naught(bag: Mapping[str, Any] | None, currency: str) -> Money:
    """:func:`money`, but an absent bag reads as a bare ``0`` (as an absent REST amount does)."""
    return money(bag, currency) if bag else money_of(None, currency)


def _negate(amount: Decimal) -> Decimal:
    return -amount if amount else amount  # zero stays zero (no "-0.00")


def negated_money(bag: Mapping[str, Any] | None, currency: str) -> Money:
    """:func:`money_or_naught` with both amounts negated (zero stays zero)."""
    if not bag:
        return money_of(None, currency)
    read = money(bag, currency)
    shop = read.shop
    return Money.of(
        _negate(read.amount),
        read.currency,
        shop=Money.of(_negate(shop.amount), shop.currency) if shop is not None else None,
    )


def presentment_amount(bag: Mapping[str, Any] | None) -> Any:
    """The presentment amount of a ``MoneyBag`` as sent (None when absent)."""
    return ((bag or {}).get("presentmentMoney") or {}).get("amount")


def presentment_money(bag: Mapping[str, Any] | None, currency: str) -> Money:
    """The presentment side of a ``MoneyBag`` alone, in its own currency (else ``currency``)."""
    part = (bag or {}).get("presentmentMoney") or {}
    amount = part.get("amount")
    return Money.of(
        amount if type(amount) is str else amount_of(amount),
        str(part.get("currencyCode") or currency),
    )

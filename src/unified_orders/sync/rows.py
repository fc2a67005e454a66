"""Canonical models -> rows of the reporting schema (pure functions, no database).

:func:`order_rows` turns one order into rows for ``orders`` and its child tables, with a content
hash over them, so a sync can tell an unchanged order from a changed one without writing it.
Rows are tuples in the column order of :mod:`.schema`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import jsonutil
from ..models import FulfillmentOrder, Money, Order, Restock, Return
from .payloads import compress
from .schema import MONEY_SCALE, TABLES

__all__ = [
    "OrderRows",
    "RowError",
    "details_rows",
    "fulfillment_order_row",
    "order_rows",
    "rehash",
    "utc",
]

Row = tuple[Any, ...]


class RowError(ValueError):
    """A value the schema cannot hold exactly (never rounded silently)."""


def utc(value: datetime | None) -> datetime | None:
    """A naive UTC datetime (the schema's TIMESTAMP convention); naive input is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def exact(amount: Decimal | None, where: str) -> Decimal | None:
    """``amount`` checked to fit DECIMAL(38, 10) exactly."""
    if amount is None:
        return None
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_SCALE:
        raise RowError(f"{where}: {amount} has more than {MONEY_SCALE} decimal places")
    return amount


@dataclass
class _Currencies:
    """The currencies of one order: every money pair of its rows uses these two."""

    presentment: str
    shop: str

    def pair(self, money: Money | None, where: str) -> tuple[Decimal | None, Decimal | None]:
        """(presentment amount, shop amount) of ``money``; shop is None when unknown."""
        if money is None:
            return None, None
        if money.currency != self.presentment:
            raise RowError(f"{where}: {money.currency} amount on a {self.presentment} order")
        amount = exact(money.amount, where)
        if money.shop is not None:
            if money.shop.currency != self.shop:
                raise RowError(f"{where}: shop amount in {money.shop.currency}, not {self.shop}")
            return amount, exact(money.shop.amount, where)
        return amount, (amount if self.shop == self.presentment else None)


def _shop_currency(order: Order) -> str:
    if order.shop_currency:
        return order.shop_currency
    for money in (order.total, order.subtotal, order.shipping, order.tax):
        if money.shop is not None:
            return money.shop.currency
    return order.currency


@dataclass
class OrderRows:
    """The rows of one order, by table, and a hash over them (``synced_at`` left out)."""

    store: str
    order_id: str
    tables: dict[str, list[Row]] = field(default_factory=dict)
    content_hash: str = ""
    updated_at: datetime | None = None
    created_at: datetime | None = None
    #: Whether its details (returns, fulfillment orders) were added (:func:`details_rows`);
    #: a kind not read has no table here, and its stored rows are kept.
    details_read: bool = False


def order_rows(
    store: str, order: Order, synced_at: datetime, *, keep_raw: bool = True, hashed: bool = True
) -> OrderRows:
    """Rows for ``orders``, ``order_lines``, ``transactions``, ``refunds``, ``refund_lines``.

    ``hashed=False`` leaves the hash to a :func:`rehash` after more rows are added (one hash per
    order instead of two)."""
    platform = order.platform
    cur = _Currencies(order.currency, _shop_currency(order))
    head = (store, platform)
    money = (cur.presentment, cur.shop)
    oid = order.id

    lines = []
    for position, line in enumerate(order.lines):
        where = f"order {oid} line {line.id}"
        lines.append(
            (
                *head,
                oid,
                line.id,
                position,
                line.sku,
                line.title,
                line.product_id,
                line.variant_id,
                line.quantity,
                line.current_quantity,
                line.fulfilled_quantity,
                line.refunded_quantity,
                *money,
                *cur.pair(line.unit_price, where),
                *cur.pair(line.total, where),
                *cur.pair(line.total_discount, where),
                *cur.pair(line.total_tax, where),
                line.requires_shipping,
                line.is_digital,
                line.location_id,
                synced_at,
            )
        )
    transactions = [
        (
            *head,
            oid,
            t.id,
            t.kind.value,
            t.platform_kind,
            t.status.value,
            t.platform_status,
            *money,
            *cur.pair(t.amount, f"order {oid} transaction {t.id}"),
            t.parent_id,
            t.gateway,
            utc(t.created_at),
            synced_at,
        )
        for t in order.transactions
    ]
    refunds = []
    refund_lines = []
    for refund in order.refunds:
        where = f"order {oid} refund {refund.id}"
        shipping = refund.shipping.amount if refund.shipping is not None else None
        restocked = sum(ln.quantity for ln in refund.lines if ln.restock is not Restock.NO_RESTOCK)
        refunds.append(
            (
                *head,
                oid,
                refund.id,
                refund.status.value,
                *money,
                *cur.pair(refund.total, where),
                *cur.pair(shipping, where),
                sum(ln.quantity for ln in refund.lines),
                restocked,
                refund.note,
                utc(refund.created_at),
                synced_at,
                refund.return_id,
            )
        )
        for position, rl in enumerate(refund.lines):
            refund_lines.append(
                (
                    *head,
                    oid,
                    refund.id,
                    position,
                    rl.line_id,
                    rl.quantity,
                    rl.restock.value,
                    rl.location_id,
                    *money,
                    *cur.pair(rl.subtotal, where),
                    *cur.pair(rl.tax, where),
                    *cur.pair(rl.total, where),
                    synced_at,
                )
            )
    address = order.shipping_address
    raw = compress(order.raw) if keep_raw and order.raw is not None else None
    where = f"order {oid}"
    head_row: list[Any] = [
        *head,
        oid,
        order.number,
        order.status.value,
        order.platform_status,
        order.financial_status.value,
        order.platform_financial_status,
        order.fulfillment_status.value,
        order.platform_fulfillment_status,
        *money,
        *cur.pair(order.subtotal, where),
        *cur.pair(order.shipping, where),
        *cur.pair(order.tax, where),
        *cur.pair(order.discount, where),
        *cur.pair(order.total, where),
        order.taxes_included,
        len(order.lines),
        sum(line.quantity for line in order.lines),
        address.country_code if address else None,
        address.province_code if address else None,
        utc(order.created_at),
        utc(order.updated_at),
        utc(order.canceled_at),
        order.cancel_reason,
        None,  # deleted_at: set by the writer when a run finds the order gone
        "",  # content_hash, filled in below
        synced_at,
        raw,
    ]
    result = OrderRows(
        store,
        oid,
        {
            "order_lines": lines,
            "transactions": transactions,
            "refunds": refunds,
            "refund_lines": refund_lines,
        },
        updated_at=utc(order.updated_at),
        created_at=utc(order.created_at),
    )
    result.tables["orders"] = [tuple(head_row)]
    if hashed:
        rehash(result)
    return result


_ORDER_COLUMNS = TABLES["orders"].column_names
_HASH = _ORDER_COLUMNS.index("content_hash")
_SKIP = {
    name: [i for i, c in enumerate(TABLES[name].column_names) if c in ("synced_at", "content_hash")]
    for name in TABLES
}


def rehash(rows: OrderRows) -> None:
    """Hash ``rows`` again after rows were added to them (the ``orders`` row carries it). Where
    details were added, a kind not read is hashed as none, as a kind read and found empty is:
    whether a run could read a kind must not make every order look changed."""
    tables = rows.tables
    if rows.details_read and not tables.keys() >= _DETAIL_TABLES:
        tables = {**{name: [] for name in _DETAIL_TABLES}, **tables}
    rows.content_hash = content_hash(tables)
    head = list(rows.tables["orders"][0])
    head[_HASH] = rows.content_hash
    rows.tables["orders"] = [tuple(head)]


#: The tables :func:`details_rows` adds, each only for a kind that was read.
_DETAIL_TABLES = frozenset({"returns", "return_lines", "fulfillment_orders"})


def content_hash(tables: dict[str, list[Row]]) -> str:
    """A hash over rows, ignoring ``synced_at`` and ``content_hash`` themselves.

    The rows are written as one JSON text first (Decimals with their exact digits, so ``1.0`` and
    ``1.00`` differ, as their rows do): ~2.5x faster than the ``repr`` of each row it replaced,
    whose hashes it does not match (an order stored before is rewritten once, when next read)."""
    kept: list[Any] = []
    for name in sorted(tables):
        skip = _SKIP[name]
        rows = tables[name]
        kept.append(name)
        kept.append(
            [[v for i, v in enumerate(row) if i not in skip] for row in rows] if skip else rows
        )
    try:
        text = jsonutil.encode(kept)
    except ValueError as error:  # a NaN or infinite Decimal, which no column can hold
        raise RowError(f"an order's rows hold a value no column can: {error}") from None
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def details_rows(
    rows: OrderRows,
    platform: str,
    returns: Sequence[Return] | None,
    fulfillment_orders: Sequence[FulfillmentOrder] | None,
    synced_at: datetime,
) -> None:
    """Add ``returns`` and ``return_lines`` rows (where ``returns`` were read: not None) and
    ``fulfillment_orders`` rows (likewise); a kind not read gets no table, so the order's stored
    rows of that kind are kept when it is written."""
    head = (rows.store, platform)
    oid = rows.order_id
    rows.details_read = True
    if returns is not None:
        rows.tables["returns"] = [
            (
                *head,
                oid,
                r.id,
                r.name,
                r.status.value,
                r.platform_status,
                sum(ln.quantity for ln in r.lines),
                utc(r.created_at),
                synced_at,
            )
            for r in returns
        ]
        rows.tables["return_lines"] = [
            (*head, oid, r.id, ln.id, ln.line_id, ln.quantity, ln.reason, ln.note, synced_at)
            for r in returns
            for ln in r.lines
        ]
    if fulfillment_orders is not None:
        rows.tables["fulfillment_orders"] = [
            fulfillment_order_row(head, oid, fo, synced_at) for fo in fulfillment_orders
        ]


def fulfillment_order_row(
    head: tuple[str, str], order_id: str, fo: FulfillmentOrder, synced_at: datetime
) -> Row:
    """The ``fulfillment_orders`` row of ``fo`` (``head``: the store and its platform)."""
    return (
        *head,
        order_id,
        fo.id,
        fo.status.value,
        fo.platform_status,
        fo.request_status,
        fo.location_id,
        len(fo.lines),
        sum(ln.quantity for ln in fo.lines),
        sum(ln.fulfillable_quantity for ln in fo.lines),
        ",".join(h.reason.value for h in fo.holds) or None,
        utc(fo.created_at),
        synced_at,
    )


def check_widths(tables: Iterable[str], rows: dict[str, list[Row]]) -> None:
    """Assert every row has as many values as its table has columns (a programming error)."""
    for name in tables:
        width = len(TABLES[name].columns)
        for row in rows.get(name, ()):
            if len(row) != width:
                raise AssertionError(f"{name} row has {len(row)} values, table has {width}")

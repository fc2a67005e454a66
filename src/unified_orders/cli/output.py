"""What the CLI's tables show: each result as rich renderables that fit the terminal.

Amounts are printed exactly, with their currency: ``12.50 USD``, with the shop-currency figure
beside it where it differs. Where results go, and their JSON form, is :mod:`.results`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from ..models import (
    Address,
    FulfillmentOrder,
    Location,
    Money,
    Order,
    Refund,
    RefundCalculation,
    Return,
)
from .amounts import calculation_amount_rows, order_amount_rows, refund_amount_rows
from .layout import Cell, Column, FitTable, Kind

__all__ = ["fields_table", "money", "records_table"]


def money(value: Money | None) -> str:
    """``12.50 USD``, with the shop-currency figure where it differs: ``12.50 EUR (13.60 USD)``."""
    if value is None:
        return ""
    text = f"{value.amount} {value.currency}"
    if value.shop is not None and value.shop.currency != value.currency:
        text += f" ({value.shop.amount} {value.shop.currency})"
    return text


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _status(canonical: Any, platform: str | None) -> str:
    text = str(getattr(canonical, "value", canonical))
    return f"{text} ({platform})" if platform and platform.lower() != text else text


def _address(address: Address | None) -> str:
    if address is None:
        return ""
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = [name, address.company, address.line1, address.line2, place]
    parts += [address.province_code, address.country_code]
    return ", ".join(p for p in parts if p)


def fields_table(title: str, rows: Sequence[tuple[str, str]]) -> FitTable:
    """Name/value pairs (empty values left out), the values folded to fit."""
    return FitTable(
        title,
        [Column("field", Kind.KEY), Column("value", Kind.TEXT)],
        [[key, value] for key, value in rows if value],
        show_header=False,
    )


def _table(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> FitTable:
    return FitTable(title, columns, rows)


def _key(header: str) -> Column:
    """An id or an amount: always shown, never cut."""
    return Column(header, Kind.KEY, right=header in _NUMERIC)


def _word(header: str, drop: int) -> Column:
    """A status or a count: never cut, dropped (highest ``drop`` first) when there is no room."""
    return Column(header, Kind.WORD, drop, right=header in _NUMERIC)


def _text(header: str, drop: int) -> Column:
    return Column(header, Kind.TEXT, drop)


def _when_column(header: str, drop: int) -> Column:
    return Column(header, Kind.WHEN, drop)


def _list(header: str, drop: int) -> Column:
    return Column(header, Kind.LIST, drop)


_NUMERIC = {
    "qty",
    "current",
    "fulfilled",
    "refunded",
    "refundable",
    "fulfillable",
    "unit price",
    "discount",
    "subtotal",
    "tax",
    "total",
    "amount",
    "max refundable",
}


# --- renderers: model -> rich renderables ------------------------------------------------------
def order_tables(order: Order) -> list[Any]:
    """An order: summary, lines, transactions, refunds."""
    title = f"Order {order.number or order.id} ({order.platform})"
    summary = fields_table(
        title,
        [
            ("id", order.id),
            ("number", order.number or ""),
            ("status", _status(order.status, order.platform_status)),
            (
                "financial",
                _status(order.financial_status, order.platform_financial_status),
            ),
            (
                "fulfillment",
                _status(order.fulfillment_status, order.platform_fulfillment_status),
            ),
            ("created", _when(order.created_at)),
            ("canceled", _when(order.canceled_at)),
            ("email", order.email or ""),
            ("ship to", _address(order.shipping_address)),
            *order_amount_rows(order, money),
        ],
    )
    # total = unit price x qty - discount: the discount column shows where a line has one
    discounted = any(line.total_discount and line.total_discount.amount for line in order.lines)
    lines = _table(
        "Lines",
        [
            _key("line id"),
            _text("sku", 7),
            _text("title", 3),
            _word("qty", 2),
            _word("current", 8),
            _word("fulfilled", 5),
            _word("refunded", 6),
            _word("refundable", 4),
            _key("unit price"),
            *([_key("discount")] if discounted else []),
            _key("total"),
        ],
        [
            [
                line.id,
                line.sku or "",
                line.title,
                str(line.quantity),
                str(line.current_quantity),
                str(line.fulfilled_quantity),
                str(line.refunded_quantity),
                str(line.refundable_quantity),
                money(line.unit_price),
                *([money(line.total_discount)] if discounted else []),
                money(line.total),
            ]
            for line in order.lines
        ],
    )
    parts: list[Any] = [summary, lines]
    if order.transactions:
        parts.append(
            _table(
                "Transactions",
                [
                    _key("id"),
                    _text("kind", 3),
                    _text("status", 2),
                    _key("amount"),
                    _key("refundable"),
                    _text("gateway", 4),
                ],
                [
                    [
                        t.id,
                        _status(t.kind, t.platform_kind),
                        _status(t.status, t.platform_status),
                        money(t.amount),
                        money(t.refundable),
                        t.gateway or "",
                    ]
                    for t in order.transactions
                ],
            )
        )
    if order.refunds:
        parts.append(refunds_table(order.refunds))
    return parts


def orders_table(orders: list[Order]) -> FitTable:
    """A list of orders."""
    return _table(
        f"Orders ({len(orders)})",
        [
            _key("id"),
            _key("number"),
            _when_column("created", 3),
            _word("status", 2),
            _word("financial", 5),
            _word("fulfillment", 4),
            _key("total"),
        ],
        [
            [
                o.id,
                o.number or "",
                o.created_at,
                o.status.value,
                o.financial_status.value,
                o.fulfillment_status.value,
                money(o.total),
            ]
            for o in orders
        ],
    )


def calculation_tables(calc: RefundCalculation) -> list[Any]:
    """A refund preview: lines with restock, shipping, allocations, total."""
    lines = _table(
        f"Refund preview for order {calc.order_id}",
        [
            _key("line id"),
            _word("qty", 2),
            _word("restock", 3),
            _word("location", 4),
            _key("subtotal"),
            _key("tax"),
            _key("total"),
        ],
        [
            [
                line.line_id,
                str(line.quantity),
                line.restock.value,
                line.location_id or "",
                money(line.subtotal),
                money(line.tax),
                money(line.total),
            ]
            for line in calc.lines
        ],
    )
    parts: list[Any] = [lines] if calc.lines else []  # an amount-only refund has no lines
    rows = calculation_amount_rows(calc, money)
    if calc.transactions:
        parts.append(
            _table(
                "Paid back through",
                [_key("transaction"), _text("gateway", 2), _key("amount"), _key("max refundable")],
                [
                    [
                        a.transaction_id,
                        a.gateway or "",
                        money(a.amount),
                        money(a.maximum_refundable),
                    ]
                    for a in calc.transactions
                ],
            )
        )
    title = "Totals" if calc.lines else f"Refund preview for order {calc.order_id}: amount only"
    parts.append(fields_table(title, rows))
    return parts


def refund_tables(refund: Refund) -> list[Any]:
    """One refund."""
    rows = [
        ("id", refund.id),
        ("order", refund.order_id),
        ("status", refund.status.value),
        ("created", _when(refund.created_at)),
        ("note", refund.note or ""),
        *refund_amount_rows(refund, money),
        ("idempotency key", refund.idempotency_key or ""),
    ]
    if refund.return_id:
        rows.insert(3, ("for return", refund.return_id))
    parts: list[Any] = [fields_table(f"Refund {refund.id}", rows)]
    if refund.lines:
        parts.append(
            _table(
                "Refunded lines",
                [
                    _key("line id"),
                    _word("qty", 2),
                    _word("restock", 3),
                    _word("location", 4),
                    _key("subtotal"),
                    _key("tax"),
                    _key("total"),
                ],
                [
                    [
                        line.line_id,
                        str(line.quantity),
                        line.restock.value,
                        line.location_id or "",
                        money(line.subtotal),
                        money(line.tax),
                        money(line.total),
                    ]
                    for line in refund.lines
                ],
            )
        )
    return parts


def refunds_table(refunds: list[Refund]) -> FitTable:
    """Refunds of an order."""
    return _table(
        f"Refunds ({len(refunds)})",
        [
            _key("id"),
            _when_column("created", 4),
            _key("status"),  # a pending refund's money may yet move: never dropped
            _list("lines", 2),
            _key("shipping"),
            _key("total"),
            _text("note", 5),
        ],
        [
            [
                r.id,
                r.created_at,
                r.status.value,
                ", ".join(f"{line.line_id}x{line.quantity}" for line in r.lines),
                money(r.shipping.amount) if r.shipping else "",
                money(r.total),
                r.note or "",
            ]
            for r in refunds
        ],
    )


def return_tables(ret: Return) -> list[Any]:
    """One return."""
    summary = fields_table(
        f"Return {ret.name or ret.id}",
        [
            ("id", ret.id),
            ("order", ret.order_id),
            ("status", _status(ret.status, ret.platform_status)),
            ("created", _when(ret.created_at)),
        ],
    )
    lines = _table(
        "Returned lines",
        [
            _word("return line", 4),
            _key("line id"),
            _word("qty", 1),
            _text("state", 1),
            _text("reason", 2),
        ],
        [
            [
                line.id,
                line.line_id,
                str(line.quantity),
                _status(line.status, line.platform_status),
                line.reason or "",
            ]
            for line in ret.lines
        ],
    )
    return [summary, lines]


def returns_table(returns: list[Return]) -> FitTable:
    """Returns of an order."""
    return _table(
        f"Returns ({len(returns)})",
        [
            _key("id"),
            _word("name", 3),
            _text("status", 2),
            _when_column("created", 4),
            _list("lines", 1),
        ],
        [
            [
                r.id,
                r.name or "",
                _status(r.status, r.platform_status),
                r.created_at,
                ", ".join(f"{line.line_id}x{line.quantity}" for line in r.lines),
            ]
            for r in returns
        ],
    )


def fulfillment_order_tables(fo: FulfillmentOrder) -> list[Any]:
    """One fulfillment order."""
    return [fulfillment_orders_table([fo])]


def fulfillment_orders_table(fos: list[FulfillmentOrder]) -> FitTable:
    """Fulfillment orders, each followed by its lines (fo line id over the order line id)."""
    rows: list[list[Cell]] = []
    for fo in fos:
        status = _status(fo.status, fo.platform_status)
        if fo.request_status:
            status += f"\nrequest: {fo.request_status}"
        holds = ", ".join(h.reason.value for h in fo.holds)
        rows.append([fo.id, status, "", "", fo.location_id or "", holds])
        for line in fo.lines:
            rows.append(
                [
                    f"- {line.id}\n  line {line.line_id}",
                    "",
                    str(line.quantity),
                    str(line.fulfillable_quantity),
                    "",
                    "",
                ]
            )
        for replacement in fo.replaced_by:
            rows.append([f"-> {replacement}", "replaced by", "", "", "", ""])
    return _table(
        f"Fulfillment orders ({len(fos)})",
        [
            _key("fulfillment order / line"),
            _text("status", 1),
            _word("qty", 3),
            _word("fulfillable", 2),
            Column("location", Kind.WORD, 5, optional=True),
            Column("holds", Kind.TEXT, 4, optional=True),
        ],
        rows,
    )


def locations_table(locations: list[Location]) -> FitTable:
    """Locations a fulfillment order can move to."""
    return _table(
        f"Locations ({len(locations)})",
        [_key("id"), _text("name", 1)],
        [[loc.id, loc.name or ""] for loc in locations],
    )


#: Record fields that are ids or amounts (never cut) in ``records_table``.
_RECORD_KEYS = {"name", "store", "order", "id", "total", "amount", "group"}


def records_table(
    title: str, columns: Sequence[str], *, keys: Iterable[str] = ()
) -> Callable[[list[dict[str, Any]]], FitTable]:
    """A renderer for plain records (dicts) with the given columns (``keys``: more columns that
    hold ids or amounts, never cut)."""
    never_cut = _RECORD_KEYS | set(keys)
    laid = [
        _key(name) if name in never_cut else _text(name, index + 1)
        for index, name in enumerate(columns)
    ]

    def render(records: list[dict[str, Any]]) -> FitTable:
        return _table(
            title,
            laid,
            [[_cell(record.get(column)) for column in columns] for record in records],
        )

    return render


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if {"amount", "currency"} <= value.keys():  # a Money as JSON data
            return money(Money.model_validate(value))
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):  # nested records: their ids, else a count
            ids = [str(v["id"]) for v in value if v.get("id") is not None]
            return ", ".join(ids) if len(ids) == len(value) else f"{len(value)} item(s)"
        return ", ".join(_cell(v) for v in value)
    return str(value)

"""Reports over the synced database: refunds, returns and orders, grouped, in shop currency.

Amounts are summed in each store's shop currency (``*_shop`` columns), so each row of a report is
one group and one currency: stores with different shop currencies are never added together. Rows
whose shop-currency figure is unknown (the platform gave only a foreign presentment amount) are
left out of the sums and counted in ``unconverted``. Deleted orders are left out.

Rows group by platform, store, or a period of the UTC calendar: ``day`` (``2026-12-01``),
``week`` (ISO 8601 weeks, Monday to Sunday, labelled with the ISO week-numbering year:
``2026-W49``; 1 January 2027 is in ``2026-W53``) or ``month`` (``2026-12``). A row without a date
falls in the group ``unknown``.

The queries are written once for both destinations (DuckDB and PostgreSQL): only the calendar
labels differ in spelling (``strftime`` in DuckDB, ``to_char`` in PostgreSQL), and every count or
sum of counts is cast to BIGINT so both return the same Python types.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..models.money import minor_unit
from .databases import open_reader
from .destination import Reader

__all__ = [
    "GroupBy",
    "ReportKind",
    "report",
    "report_json",
    "report_table",
    "unreadable_orders",
    "unseen_parts",
]


class ReportKind(StrEnum):
    """What to report on."""

    REFUNDS = "refunds"
    RETURNS = "returns"
    ORDERS = "orders"


class GroupBy(StrEnum):
    """How to group report rows."""

    PLATFORM = "platform"
    STORE = "store"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


#: The calendar label of a naive UTC ``created_at``, per dialect: ISO weeks with the ISO
#: week-numbering year in both.
_PERIOD_LABELS = {
    "duckdb": {
        GroupBy.DAY: "strftime({}, '%Y-%m-%d')",
        GroupBy.WEEK: "strftime({}, '%G-W%V')",
        GroupBy.MONTH: "strftime({}, '%Y-%m')",
    },
    "postgres": {
        GroupBy.DAY: "to_char({}, 'YYYY-MM-DD')",
        GroupBy.WEEK: "to_char({}, 'IYYY-\"W\"IW')",
        GroupBy.MONTH: "to_char({}, 'YYYY-MM')",
    },
}


def _group(alias: str, group_by: GroupBy, dialect: str) -> str:
    label = _PERIOD_LABELS[dialect].get(group_by)
    if label is not None:
        return f"coalesce({label.format(f'{alias}.created_at')}, 'unknown')"
    return f"{alias}.{group_by.value}"


def _window(
    alias: str, since: datetime | date | None, until: datetime | date | None
) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since is not None:
        clauses.append(f"{alias}.created_at >= ?")
        params.append(_as_datetime(since))
    if until is not None:
        clauses.append(f"{alias}.created_at < ?")
        params.append(_as_datetime(until))
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        from .rows import utc

        result = utc(value)
        assert result is not None
        return result
    return datetime(value.year, value.month, value.day)


_LIVE = "JOIN orders o ON o.store = {a}.store AND o.id = {a}.order_id AND o.deleted_at IS NULL"


def _refunds(group: str, where: str) -> str:
    return f"""
        SELECT {group} AS "group", r.shop_currency AS currency,
               count(*) AS refunds, count(DISTINCT r.order_id || '@' || r.store) AS orders,
               CAST(coalesce(sum(r.quantity), 0) AS BIGINT) AS units,
               CAST(coalesce(sum(r.restocked_quantity), 0) AS BIGINT) AS restocked_units,
               coalesce(sum(r.total_shop), 0) AS amount,
               count(*) FILTER (WHERE r.total_shop IS NULL) AS unconverted
        FROM refunds r {_LIVE.format(a="r")}
        WHERE true {where}
        GROUP BY 1, 2 ORDER BY 1, 2"""


def _returns(group: str, where: str) -> str:
    return f"""
        SELECT {group} AS "group",
               count(*) AS returns,
               count(*) FILTER (WHERE r.status IN ('requested', 'open', 'in_progress')) AS open,
               count(*) FILTER (WHERE r.status = 'closed') AS closed,
               count(*) FILTER (WHERE r.status IN ('declined', 'canceled')) AS declined_or_canceled,
               CAST(coalesce(sum(r.quantity), 0) AS BIGINT) AS units
        FROM returns r {_LIVE.format(a="r")}
        WHERE true {where}
        GROUP BY 1 ORDER BY 1"""


def _refund_returns(group: str, where: str) -> str:
    # Platforms without a returns API (Next Commerce) record a return as a refund with restock
    # "return": count those units so the report covers every platform.
    return f"""
        SELECT {group} AS "group", CAST(coalesce(sum(l.quantity), 0) AS BIGINT) AS units
        FROM refund_lines l
        JOIN refunds r ON r.store = l.store AND r.id = l.refund_id
        {_LIVE.format(a="r")}
        WHERE l.restock = 'return' {where}
        GROUP BY 1 ORDER BY 1"""


def _orders(group: str, where: str) -> str:
    return f"""
        WITH refunded AS (
            SELECT store, order_id, sum(total_shop) AS amount,
                   count(*) FILTER (WHERE total_shop IS NULL) AS unconverted
            FROM refunds GROUP BY store, order_id
        )
        SELECT {group} AS "group", o.shop_currency AS currency,
               count(*) AS orders,
               count(*) FILTER (WHERE o.status = 'canceled') AS canceled,
               coalesce(sum(o.total_shop) FILTER (WHERE o.status <> 'canceled'), 0) AS sales,
               coalesce(sum(f.amount) FILTER (WHERE o.status <> 'canceled'), 0) AS refunded,
               coalesce(sum(o.total_shop) FILTER (WHERE o.status <> 'canceled'), 0)
                 - coalesce(sum(f.amount) FILTER (WHERE o.status <> 'canceled'), 0) AS net,
               CAST(count(*) FILTER (WHERE o.total_shop IS NULL)
                 + coalesce(sum(f.unconverted), 0) AS BIGINT) AS unconverted
        FROM orders o LEFT JOIN refunded f ON f.store = o.store AND f.order_id = o.id
        WHERE o.deleted_at IS NULL {where}
        GROUP BY 1, 2 ORDER BY 1, 2"""


def report(
    db_path: str | Path,
    kind: ReportKind | str,
    *,
    since: datetime | date | None = None,
    until: datetime | date | None = None,
    group_by: GroupBy | str = GroupBy.PLATFORM,
) -> list[dict[str, Any]]:
    """Report rows (dicts; amounts as Decimal) for ``kind`` in ``[since, until)``.

    Refunds and returns are dated by their own ``created_at``; orders by when they were placed.
    ``db_path`` is a DuckDB file or a ``postgresql://`` URL.
    """
    kind = ReportKind(kind)
    group_kind = GroupBy(group_by)
    reader = open_reader(db_path)
    try:
        alias = "o" if kind is ReportKind.ORDERS else "r"
        group = _group(alias, group_kind, reader.dialect)
        where, params = _window(alias, since, until)
        sql = {
            ReportKind.REFUNDS: _refunds,
            ReportKind.RETURNS: _returns,
            ReportKind.ORDERS: _orders,
        }[kind](group, where)
        rows = _dicts(reader, sql, params)
        if kind is ReportKind.RETURNS:
            extra = {
                r["group"]: r["units"]
                for r in _dicts(reader, _refund_returns(group, where), params)
            }
            by_group = {row["group"]: row for row in rows}
            for key, units in extra.items():
                row = by_group.get(key)
                if row is None:
                    row = by_group[key] = {
                        "group": key,
                        "returns": 0,
                        "open": 0,
                        "closed": 0,
                        "declined_or_canceled": 0,
                        "units": 0,
                    }
                row["refunded_as_returned_units"] = int(units)
            rows = [by_group[key] for key in sorted(by_group)]
            for row in rows:
                row.setdefault("refunded_as_returned_units", 0)
        return [_tidy(row) for row in rows]
    finally:
        reader.close()


def _dicts(reader: Reader, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    names, rows = reader.fetch(sql, params)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _tidy(row: dict[str, Any]) -> dict[str, Any]:
    """Integers as int, amounts at their currency's precision (exact: only zeros are dropped)."""
    out: dict[str, Any] = {}
    currency = row.get("currency")
    for key, value in row.items():
        if isinstance(value, Decimal):
            value = _amount(value, currency)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = int(value)
        out[key] = value
    return out


def _amount(value: Decimal, currency: str | None) -> Decimal:
    digits = 2
    if currency:
        with contextlib.suppress(ValueError):
            digits = minor_unit(currency)
    quantum = Decimal(1).scaleb(-digits)
    rounded = value.quantize(quantum)
    return rounded if rounded == value else value.normalize()


def _per_store(db_path: str | Path, sql: str) -> list[Any]:
    """The rows of ``sql`` (store first); none where the database predates what it reads."""
    reader = open_reader(db_path)
    try:
        _, found = reader.fetch(sql)
    except Exception:  # a database written before the table or column existed
        return []
    finally:
        reader.close()
    return found


def unreadable_orders(db_path: str | Path) -> dict[str, int]:
    """Per store, how many orders the last syncs could not read (the ``sync_errors`` table):
    a report over those stores is short by them."""
    sql = "SELECT store, count(*) FROM sync_errors GROUP BY store ORDER BY store"
    return {str(store): int(count) for store, count in _per_store(db_path, sql)}


def unseen_parts(db_path: str | Path) -> dict[str, str]:
    """Per store, what its last completed sync could not read or was not shown
    (``sync_state.not_read``): a report over that store may be short by it."""
    sql = "SELECT store, not_read FROM sync_state WHERE not_read IS NOT NULL ORDER BY store"
    return {str(store): str(text) for store, text in _per_store(db_path, sql)}


def report_json(rows: Sequence[dict[str, Any]]) -> str:
    """JSON Lines text, one object per row (no rows: empty); amounts as exact decimal strings."""
    return "".join(
        json.dumps(row, default=lambda v: str(v) if isinstance(v, Decimal) else v.isoformat())
        + "\n"
        for row in rows
    )


def report_table(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """A ``rich.table.Table`` of the rows."""
    from rich.table import Table

    table = Table(title=title)
    columns = list(rows[0]) if rows else ["group"]
    for name in columns:
        numeric = bool(rows) and isinstance(rows[0][name], int | Decimal)
        table.add_column(name, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    return table

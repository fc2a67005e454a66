"""The reporting schema: one set of tables for every platform, with its documentation.

Every row carries ``store`` (the configured store name) and ``platform``. Money columns are exact
``DECIMAL(38, 10)`` amounts: ``<name>`` in the presentment (customer) currency given by
``currency``, ``<name>_shop`` in the shop currency given by ``shop_currency``. A ``_shop`` column is
NULL where the platform reports no shop-currency figure and the two currencies differ. Statuses are
the canonical value plus the platform's own in ``platform_<name>``. Timestamps are ``TIMESTAMP``
in UTC. The DDL and the reference table in docs/reporting/schema.md are both generated from
:data:`TABLES`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MONEY",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Table",
    "create_schema_sql",
    "postgres_schema_sql",
    "postgres_type",
    "schema_markdown",
]

SCHEMA_VERSION = 4
MONEY = "DECIMAL(38, 10)"
#: Digits after the decimal point a money column keeps exactly.
MONEY_SCALE = 10


@dataclass(frozen=True)
class Column:
    """A column: name, DuckDB type, and what it holds."""

    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class Table:
    """A table: its columns, its key (unique per row) and what one row is."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def indexed(self) -> bool:
        """Whether DuckDB enforces the key with a PRIMARY KEY index.

        Tables that grow with the orders are not indexed: DuckDB keeps such indexes in memory,
        so a fixed memory cap would turn a large sync into an out-of-memory failure. The writer
        keeps their keys unique itself (old rows of an order are deleted before its new rows go
        in, in the same transaction).
        """
        return self.name not in GROWING_TABLES

    @property
    def column_names(self) -> list[str]:
        """Column names in order."""
        return [column.name for column in self.columns]


def _c(name: str, type_: str, doc: str) -> Column:
    return Column(name, type_, doc)


def _money(name: str, doc: str) -> tuple[Column, Column]:
    return (
        _c(name, MONEY, f"{doc} (presentment currency)"),
        _c(f"{name}_shop", MONEY, f"{doc} in the shop currency, NULL when unknown"),
    )


_STORE = (
    _c("store", "VARCHAR NOT NULL", "configured store name"),
    _c("platform", "VARCHAR NOT NULL", "platform: nextcommerce, shopify, shopware, ..."),
)
_CURRENCIES = (
    _c("currency", "VARCHAR", "presentment (customer) currency, ISO 4217"),
    _c("shop_currency", "VARCHAR", "the shop's own currency, ISO 4217"),
)
_ORDER_ID = _c("order_id", "VARCHAR NOT NULL", "the order this row belongs to")
_SYNCED = _c("synced_at", "TIMESTAMP NOT NULL", "when this row was written (UTC)")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "stores",
            "One row per synced store.",
            (
                *_STORE,
                _c("first_synced_at", "TIMESTAMP", "first successful page written (UTC)"),
                _c("last_synced_at", "TIMESTAMP", "last completed sync (UTC)"),
            ),
            ("store",),
        ),
        Table(
            "orders",
            "One row per order. Deleted orders stay, with deleted_at set.",
            (
                *_STORE,
                _c("id", "VARCHAR NOT NULL", "platform order id"),
                _c("number", "VARCHAR", "the order number customers see"),
                _c("status", "VARCHAR", "canonical: open, closed, canceled, unknown"),
                _c("platform_status", "VARCHAR", "the platform's own order status"),
                _c("financial_status", "VARCHAR", "canonical: pending, authorized, paid, ..."),
                _c("platform_financial_status", "VARCHAR", "the platform's own value"),
                _c("fulfillment_status", "VARCHAR", "canonical: unfulfilled, fulfilled, ..."),
                _c("platform_fulfillment_status", "VARCHAR", "the platform's own value"),
                *_CURRENCIES,
                *_money("subtotal", "sum of line totals (after discounts, before shipping)"),
                *_money("shipping", "shipping charged, after shipping discounts"),
                *_money("tax", "all tax, lines and shipping"),
                *_money("discount", "line discounts, already taken off subtotal"),
                *_money("total", "subtotal + shipping (+ tax unless taxes_included) + adjustment"),
                _c(
                    "taxes_included",
                    "BOOLEAN",
                    "whether subtotal, shipping, discount and line amounts include tax",
                ),
                _c("line_count", "INTEGER", "number of order lines"),
                _c("quantity", "INTEGER", "units ordered"),
                _c("shipping_country", "VARCHAR", "shipping address country, ISO 3166"),
                _c("shipping_province", "VARCHAR", "shipping address province code"),
                _c("created_at", "TIMESTAMP", "when the order was placed (UTC)"),
                _c("updated_at", "TIMESTAMP", "last change on the platform (UTC)"),
                _c("canceled_at", "TIMESTAMP", "when it was canceled (UTC)"),
                _c("cancel_reason", "VARCHAR", "why it was canceled"),
                _c("deleted_at", "TIMESTAMP", "when a sync found it gone from the platform"),
                _c(
                    "content_hash",
                    "VARCHAR NOT NULL",
                    "hash of this order's rows: unchanged => skipped",
                ),
                _SYNCED,
                _c(
                    "raw",
                    "BLOB",
                    "the platform payload the order was read from: zlib-compressed JSON "
                    "(`export` writes it as JSON; in Python `unified_orders.sync.payload(raw)`)",
                ),
            ),
            ("store", "id"),
        ),
        Table(
            "order_lines",
            "One row per order line.",
            (
                *_STORE,
                _ORDER_ID,
                _c("id", "VARCHAR NOT NULL", "platform line id"),
                _c("position", "INTEGER", "0-based position in the order"),
                _c("sku", "VARCHAR", "stock keeping unit"),
                _c("title", "VARCHAR", "product title"),
                _c("product_id", "VARCHAR", "platform product id"),
                _c("variant_id", "VARCHAR", "platform variant id"),
                _c("quantity", "INTEGER", "units ordered"),
                _c("current_quantity", "INTEGER", "units not removed by order edits"),
                _c("fulfilled_quantity", "INTEGER", "units fulfilled"),
                _c("refunded_quantity", "INTEGER", "units refunded"),
                *_CURRENCIES,
                *_money("unit_price", "price of one unit before discounts"),
                *_money("total", "unit_price x quantity - total_discount"),
                *_money("total_discount", "discounts on the line, order-level shares included"),
                *_money("total_tax", "the line's tax (inside total when taxes_included)"),
                _c("requires_shipping", "BOOLEAN", "ships physically"),
                _c("is_digital", "BOOLEAN", "a digital good"),
                _c("location_id", "VARCHAR", "location it ships from, where known"),
                _SYNCED,
            ),
            ("store", "order_id", "id"),
        ),
        Table(
            "transactions",
            "One row per payment transaction of an order (authorizations, captures, refunds, ...).",
            (
                *_STORE,
                _ORDER_ID,
                _c("id", "VARCHAR NOT NULL", "platform transaction id"),
                _c("kind", "VARCHAR", "canonical: authorization, capture, sale, refund, void"),
                _c("platform_kind", "VARCHAR", "the platform's own kind"),
                _c("status", "VARCHAR", "canonical: pending, success, failure, error"),
                _c("platform_status", "VARCHAR", "the platform's own status"),
                *_CURRENCIES,
                *_money("amount", "transaction amount"),
                _c("parent_id", "VARCHAR", "the transaction this one acts on"),
                _c("gateway", "VARCHAR", "payment gateway"),
                _c("created_at", "TIMESTAMP", "when it happened (UTC)"),
                _SYNCED,
            ),
            ("store", "order_id", "id"),
        ),
        Table(
            "refunds",
            "One row per refund.",
            (
                *_STORE,
                _ORDER_ID,
                _c("id", "VARCHAR NOT NULL", "platform refund id"),
                _c("status", "VARCHAR", "canonical: pending, success, partial, failure"),
                *_CURRENCIES,
                *_money("total", "money paid back (successful transactions)"),
                *_money("shipping", "shipping refunded, tax included"),
                _c("quantity", "INTEGER", "units refunded"),
                _c("restocked_quantity", "INTEGER", "units refunded with restock return/cancel"),
                _c("note", "VARCHAR", "refund note"),
                _c("created_at", "TIMESTAMP", "when it was made (UTC)"),
                _SYNCED,
                # added in version 4: last, where an older file's ALTER TABLE puts it
                _c("return_id", "VARCHAR", "the return it paid for, where the platform links them"),
            ),
            ("store", "id"),
        ),
        Table(
            "refund_lines",
            "One row per refunded order line.",
            (
                *_STORE,
                _ORDER_ID,
                _c("refund_id", "VARCHAR NOT NULL", "the refund"),
                _c("position", "INTEGER NOT NULL", "0-based position in the refund"),
                _c("line_id", "VARCHAR", "the order line refunded"),
                _c("quantity", "INTEGER", "units refunded"),
                _c("restock", "VARCHAR", "no_restock, cancel, return"),
                _c("location_id", "VARCHAR", "where stock went back"),
                *_CURRENCIES,
                *_money("subtotal", "amount before tax"),
                *_money("tax", "tax refunded"),
                *_money("total", "subtotal + tax refunded for the line"),
                _SYNCED,
            ),
            ("store", "refund_id", "position"),
        ),
        Table(
            "returns",
            "One row per return (platforms with a returns API).",
            (
                *_STORE,
                _ORDER_ID,
                _c("id", "VARCHAR NOT NULL", "platform return id"),
                _c("name", "VARCHAR", "the return's name or number"),
                _c("status", "VARCHAR", "canonical: requested, open, in_progress, closed, ..."),
                _c("platform_status", "VARCHAR", "the platform's own status"),
                _c("quantity", "INTEGER", "units in the return"),
                _c("created_at", "TIMESTAMP", "when it was opened (UTC)"),
                _SYNCED,
            ),
            ("store", "id"),
        ),
        Table(
            "return_lines",
            "One row per line of a return.",
            (
                *_STORE,
                _ORDER_ID,
                _c("return_id", "VARCHAR NOT NULL", "the return"),
                _c("id", "VARCHAR NOT NULL", "platform return line id"),
                _c("line_id", "VARCHAR", "the order line returned"),
                _c("quantity", "INTEGER", "units returned"),
                _c("reason", "VARCHAR", "return reason"),
                _c("note", "VARCHAR", "customer or merchant note"),
                _SYNCED,
            ),
            ("store", "return_id", "id"),
        ),
        Table(
            "fulfillment_orders",
            "One row per fulfillment order (lines shipped from one location).",
            (
                *_STORE,
                _ORDER_ID,
                _c("id", "VARCHAR NOT NULL", "platform fulfillment order id"),
                _c("status", "VARCHAR", "canonical: open, in_progress, on_hold, closed, ..."),
                _c("platform_status", "VARCHAR", "the platform's own status"),
                _c("request_status", "VARCHAR", "fulfillment-service request status"),
                _c("location_id", "VARCHAR", "location it ships from"),
                _c("line_count", "INTEGER", "lines in it"),
                _c("quantity", "INTEGER", "units in it"),
                _c("fulfillable_quantity", "INTEGER", "units still to ship"),
                _c("hold_reasons", "VARCHAR", "comma-separated canonical hold reasons"),
                _c("created_at", "TIMESTAMP", "when it was created (UTC)"),
                _SYNCED,
            ),
            ("store", "id"),
        ),
        Table(
            "sync_state",
            "One row per store: its watermark and the run in progress (for resuming).",
            (
                *_STORE,
                _c(
                    "strategy",
                    "VARCHAR",
                    "updated_since or placed_window (see the sync strategies in the docs)",
                ),
                _c("watermark", "TIMESTAMP", "orders updated before this (minus lookback) are in"),
                _c("run_id", "VARCHAR", "the run in progress, NULL when none"),
                _c("run_mode", "VARCHAR", "full, updated_since or placed_window"),
                _c("run_since", "TIMESTAMP", "the lower bound the run in progress reads from"),
                _c("run_started_at", "TIMESTAMP", "when the run in progress started (UTC)"),
                _c("run_cursor", "VARCHAR", "the next page of the run in progress"),
                _c("run_pages", "INTEGER", "pages written by the run in progress"),
                _c("run_orders", "INTEGER", "orders read by the run in progress"),
                _c("run_changed", "INTEGER", "orders written (new or changed) by the run"),
                _c("run_max_updated", "TIMESTAMP", "latest order updated_at the run saw"),
                _c("last_completed_at", "TIMESTAMP", "when the last run completed (UTC)"),
                _c("last_error", "VARCHAR", "why the last run failed, NULL after a success"),
                _c("last_error_at", "TIMESTAMP", "when it failed (UTC)"),
                _c(
                    "run_phase",
                    "VARCHAR",
                    "listing (orders by the run's filter), then changes (orders the platform's "
                    "change feed names), fulfillment-orders (the open ones compared with the "
                    "stored ones), ids (every order id): see docs/reporting/index.md",
                ),
                _c(
                    "not_read",
                    "VARCHAR",
                    "what the last completed run could not read or was not shown, each as what "
                    "(why), joined by '; ' (a Shopify app without read_all_orders, say); NULL "
                    "when nothing: reports warn while it is set",
                ),
            ),
            ("store",),
        ),
        Table(
            "sync_errors",
            "Orders a sync could not read (too large, malformed, refused): the store went on "
            "without them, and they are listed here until a later run reads them.",
            (
                _c("store", "VARCHAR NOT NULL", "configured store name"),
                _c("order_id", "VARCHAR NOT NULL", "the order that could not be read"),
                _c("error", "VARCHAR", "why, as the library reported it"),
                _c("failed_at", "TIMESTAMP", "when the last attempt failed (UTC)"),
            ),
            ("store", "order_id"),
        ),
        Table(
            "sync_seen",
            "Bookkeeping: order ids a full or windowed run has read (to find deleted orders).",
            (
                _c("store", "VARCHAR NOT NULL", "configured store name"),
                _c("run_id", "VARCHAR NOT NULL", "the run"),
                _c("order_id", "VARCHAR NOT NULL", "an order the run read"),
            ),
            ("store", "run_id", "order_id"),
        ),
        Table(
            "webhook_inbox",
            "One row per webhook delivery `webhooks serve` accepted (a platform's retry or "
            "duplicate of a delivery is the same row).",
            (
                _c("platform", "VARCHAR NOT NULL", "platform that sent it"),
                _c("store", "VARCHAR NOT NULL", "configured store name"),
                _c("delivery_id", "VARCHAR NOT NULL", "the platform's id of the delivery"),
                _c("topic", "VARCHAR", "the platform's own topic or event name"),
                _c("received_at", "TIMESTAMP NOT NULL", "when it was accepted (UTC)"),
                _c("processed_at", "TIMESTAMP", "when its orders were re-read, NULL until then"),
                _c("order_ids", "VARCHAR", "comma-separated orders it named"),
                _c("error", "VARCHAR", "why processing failed, NULL after a success"),
                _c("headers", "VARCHAR", "the headers the platform's rules read, as JSON"),
                _c("body", "BLOB", "the delivery as received, zlib-compressed"),
            ),
            ("platform", "store", "delivery_id"),
        ),
    )
}

#: Tables whose rows belong to an order (replaced as a whole when the order changes).
ORDER_CHILDREN = (
    "order_lines",
    "transactions",
    "refunds",
    "refund_lines",
    "returns",
    "return_lines",
    "fulfillment_orders",
)
#: Tables that grow with the number of orders (no primary-key index, see ``Table.indexed``).
GROWING_TABLES = frozenset({"orders", *ORDER_CHILDREN, "sync_seen"})
#: Tables holding synced data (what ``export`` writes by default).
DATA_TABLES = ("stores", "orders", *ORDER_CHILDREN, "sync_state", "sync_errors")


def create_schema_sql() -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` statements for every table, plus the meta table."""
    statements = [
        "CREATE TABLE IF NOT EXISTS schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    ]
    for table in TABLES.values():
        columns = ",\n  ".join(f"{c.name} {c.type}" for c in table.columns)
        if table.indexed:
            columns += f",\n  PRIMARY KEY ({', '.join(table.key)})"
        statements.append(f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {columns}\n)")
    return statements


#: Schema types whose PostgreSQL name differs (everything else is spelled the same).
_POSTGRES_TYPES = {"BLOB": "BYTEA", "JSON": "JSONB"}


def postgres_type(type_: str) -> str:
    """The PostgreSQL spelling of a schema column type (``BLOB NOT NULL`` -> ``BYTEA NOT NULL``)."""
    base, _, rest = type_.partition(" ")
    return " ".join(part for part in (_POSTGRES_TYPES.get(base, base), rest) if part)


def postgres_schema_sql() -> list[str]:
    """The same tables for PostgreSQL: every table keeps its key as a PRIMARY KEY (PostgreSQL
    indexes live on disk, so the growing tables need not go without), and the tables of an order's
    rows get an index by (store, order_id), by which the writer replaces them."""
    statements = [
        "CREATE TABLE IF NOT EXISTS schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    ]
    for table in TABLES.values():
        columns = ",\n  ".join(f"{c.name} {postgres_type(c.type)}" for c in table.columns)
        columns += f",\n  PRIMARY KEY ({', '.join(table.key)})"
        statements.append(f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {columns}\n)")
        if table.name in ORDER_CHILDREN and table.key[:2] != ("store", "order_id"):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {table.name}_by_order ON {table.name} (store, order_id)"
            )
    return statements


def schema_markdown() -> str:
    """The schema as Markdown tables (pasted into docs/reporting/schema.md; a test keeps them
    equal)."""
    out: list[str] = []
    for table in TABLES.values():
        out.append(f"#### `{table.name}`\n")
        out.append(f"{table.doc} Key: ({', '.join(table.key)}).\n")
        out.append("| column | type | meaning |")
        out.append("|---|---|---|")
        for column in table.columns:
            type_ = column.type.replace(" NOT NULL", "")
            out.append(f"| `{column.name}` | {type_} | {column.doc} |")
        out.append("")
    return "\n".join(out)

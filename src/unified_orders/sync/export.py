"""Export synced tables to files: Parquet (typed) with DuckDB's own COPY; CSV and JSON Lines as
text a spreadsheet or a script reads the same way the CLI's JSON reads.

Both destinations export all three formats with the same content. From a PostgreSQL database,
Parquet is written by streaming the rows into a scratch in-memory DuckDB table of the same types
(spilling to a temporary directory beyond 128 MB) and COPYing that, so the files match a DuckDB
export column for column; the rows come from one repeatable-read snapshot, even while syncs
write.

In CSV and JSON Lines every amount is a decimal string with its currency's digits, as the shop
shows it (``12.50`` USD, ``1200`` JPY, ``1.125`` KWD), never padded to the database's ten places
and never cut: a figure with more digits (a unit price of ``0.3333``) keeps them. Timestamps are
ISO 8601 in UTC with ``Z`` (``2026-06-01T12:00:00Z``). JSON Lines keeps ``raw`` (the platform's
own payload) as the JSON the platform sent.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import duckdb

from .. import jsonutil
from ..models.currencies import known_minor_unit
from .databases import open_reader
from .destination import Reader
from .payloads import payload_text
from .schema import DATA_TABLES, MONEY, TABLES, Table
from .writer import DuckDBReader

__all__ = ["ExportFormat", "amount_text", "export", "timestamp_text"]

#: Rows fetched from DuckDB at a time: the export streams, whatever the table's size.
BATCH = 10_000


class ExportFormat(StrEnum):
    """File formats ``export`` writes."""

    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"


def amount_text(amount: Decimal, currency: str | None) -> str:
    """``amount`` with its currency's digits (``12.5`` USD -> ``12.50``), more where it has
    them (nothing cut), the database's padding zeros dropped."""
    digits = known_minor_unit(currency) if currency else None
    exponent = amount.normalize().as_tuple().exponent
    significant = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{amount:.{max(digits or 0, significant)}f}"


def timestamp_text(value: datetime) -> str:
    """A UTC timestamp as ISO 8601 with ``Z`` (the database keeps UTC without a zone)."""
    if value.tzinfo is not None:
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat() + "Z"


def _formatters(table: Table) -> list[Callable[[Any, tuple[Any, ...]], Any]]:
    """For each column: value (and its row) -> the text form, amounts by their row's currency."""
    names = table.column_names

    def plain(value: Any, row: tuple[Any, ...]) -> Any:
        return timestamp_text(value) if isinstance(value, datetime) else value

    def money(currency_at: int) -> Callable[[Any, tuple[Any, ...]], Any]:
        def text(value: Any, row: tuple[Any, ...]) -> Any:
            return None if value is None else amount_text(value, row[currency_at])

        return text

    def payload(value: Any, row: tuple[Any, ...]) -> Any:
        return payload_text(value)

    formatters: list[Callable[[Any, tuple[Any, ...]], Any]] = []
    for column in table.columns:
        if column.name == "raw":
            formatters.append(payload)
        elif column.type == MONEY:
            currency = "shop_currency" if column.name.endswith("_shop") else "currency"
            formatters.append(money(names.index(currency)))
        else:
            formatters.append(plain)
    return formatters


def _select(table: Table) -> str:
    """Every column of the table, in key order."""
    return (
        f"SELECT {', '.join(table.column_names)} FROM {table.name} ORDER BY {', '.join(table.key)}"
    )


def _records(reader: Reader, table: Table) -> Iterator[list[Any]]:
    """The table's rows in key order, each value in its text form."""
    formatters = _formatters(table)
    for batch in reader.stream(_select(table), BATCH):
        for row in batch:
            yield [format_(value, row) for format_, value in zip(formatters, row, strict=True)]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _write_csv(reader: Reader, table: Table, file: TextIO) -> None:
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(table.column_names)
    for record in _records(reader, table):
        writer.writerow([_csv_cell(value) for value in record])


#: Column types whose text form is JSON, nested as JSON in JSON Lines (``raw`` is compressed
#: JSON, written out as its text).
_JSON_TEXT = frozenset({"JSON", "BLOB"})


def _write_jsonl(reader: Reader, table: Table, file: TextIO) -> None:
    names = table.column_names
    kinds = [column.type for column in table.columns]
    for record in _records(reader, table):
        row = {
            name: jsonutil.loads(value) if kind in _JSON_TEXT and value is not None else value
            for name, kind, value in zip(names, kinds, record, strict=True)
        }
        file.write(jsonutil.dumps(row) + "\n")


def export(
    db_path: str | Path,
    fmt: ExportFormat | str,
    out_dir: str | Path,
    tables: Sequence[str] | None = None,
) -> list[Path]:
    """Write each table (default: every data table) to ``<out_dir>/<table>.<fmt>``.

    Rows are ordered by the table's key, so two exports of the same data are identical.
    ``db_path`` is a DuckDB file or a ``postgresql://`` URL.
    """
    chosen = ExportFormat(fmt)
    names = list(tables) if tables else list(DATA_TABLES)
    unknown = [name for name in names if name not in TABLES]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; tables: {', '.join(DATA_TABLES)}")
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    reader = open_reader(db_path)
    written = []
    try:
        for name in names:
            path = target / f"{name}.{chosen.value}"
            # written beside, then renamed: a killed export never leaves a valid-looking part
            partial = target / f".{name}.{chosen.value}.partial"
            try:
                _write(reader, TABLES[name], chosen, partial)
                partial.chmod(0o600)  # exports hold customer data
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
            written.append(path)
    finally:
        reader.close()
    return written


def _write(reader: Reader, table: Table, fmt: ExportFormat, path: Path) -> None:
    if fmt is ExportFormat.PARQUET:
        if isinstance(reader, DuckDBReader):
            _copy_parquet(reader.con, table, path)
        else:
            _parquet_through_duckdb(reader, table, path)
        return
    # readable by the owner only from the first byte: exports hold customer data
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as file:
        if fmt is ExportFormat.CSV:
            _write_csv(reader, table, file)
        else:
            _write_jsonl(reader, table, file)


def _copy_parquet(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> None:
    """DuckDB's own COPY of the table (``orders.raw`` as its JSON text) in key order."""
    # the compressed payload goes in as its JSON text
    source = (
        _with_payload_text(con, table.name, ", ".join(table.key))
        if table.name == "orders"
        else table.name
    )
    _copy(con, source, table, path)


def _copy(con: duckdb.DuckDBPyConnection, source: str, table: Table, path: Path) -> None:
    quoted = str(path).replace("'", "''")
    order = ", ".join(table.key)
    con.execute(f"COPY (SELECT * FROM {source} ORDER BY {order}) TO '{quoted}' (FORMAT parquet)")


#: What the scratch DuckDB of a PostgreSQL Parquet export may hold in memory before spilling.
SCRATCH_MEMORY = "128MB"


def _parquet_through_duckdb(reader: Reader, table: Table, path: Path) -> None:
    """Parquet from any reader: its rows (in key order) into a scratch in-memory DuckDB table
    typed as the DuckDB file's, then DuckDB's COPY, so the file matches a DuckDB export."""
    with tempfile.TemporaryDirectory(prefix="unified-orders-export-") as spill:
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": SCRATCH_MEMORY,
            "temp_directory": spill,
        }
        with duckdb.connect(":memory:", config=config) as scratch:
            kinds = ["JSON" if c.name == "raw" else c.type for c in table.columns]
            columns = ", ".join(f"{c.name} {k}" for c, k in zip(table.columns, kinds, strict=True))
            scratch.execute(f"CREATE TABLE {table.name} ({columns})")
            insert = f"INSERT INTO {table.name} SELECT " + ", ".join(
                f"unnest(${i + 1}::{k.replace(' NOT NULL', '')}[])" for i, k in enumerate(kinds)
            )
            at = table.column_names.index("raw") if "raw" in table.column_names else None
            for rows in reader.stream(_select(table), _CHUNK):
                values = [list(column) for column in zip(*rows, strict=True)]
                if at is not None:
                    values[at] = [payload_text(blob) for blob in values[at]]
                scratch.execute(insert, values)
            _copy(scratch, table.name, table, path)


#: Orders decompressed per step when exporting (bounded memory; DuckDB spills beyond its cap).
_CHUNK = 2_000


def _with_payload_text(con: duckdb.DuckDBPyConnection, table: str, order: str) -> str:
    """A temporary copy of ``table`` with ``raw`` as JSON text instead of compressed bytes."""
    columns = TABLES[table].column_names
    at = columns.index("raw")
    copy = f"{table}__export"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {copy} AS "
        f"SELECT * REPLACE (CAST(NULL AS JSON) AS raw) FROM {table} LIMIT 0"
    )
    types = [str(row[1]) for row in con.execute(f"DESCRIBE {copy}").fetchall()]
    insert = f"INSERT INTO {copy} SELECT " + ", ".join(
        f"unnest(${i + 1}::{kind}[])" for i, kind in enumerate(types)
    )
    reader = con.cursor()
    try:
        result = reader.execute(f"SELECT * FROM {table} ORDER BY {order}")
        while rows := result.fetchmany(_CHUNK):
            values = [list(column) for column in zip(*rows, strict=True)]
            values[at] = [payload_text(blob) for blob in values[at]]
            con.execute(insert, values)
    finally:
        reader.close()
    return copy

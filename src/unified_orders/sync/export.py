"""Export synced tables to files with DuckDB's own COPY (parquet needs no pyarrow)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import duckdb

from .payloads import payload_text
from .schema import DATA_TABLES, TABLES
from .writer import connect_db

__all__ = ["ExportFormat", "export"]


class ExportFormat(StrEnum):
    """File formats ``export`` writes."""

    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"


_OPTIONS = {
    ExportFormat.PARQUET: "(FORMAT parquet)",
    ExportFormat.CSV: "(FORMAT csv, HEADER true)",
    ExportFormat.JSONL: "(FORMAT json)",
}


def export(
    db_path: str | Path,
    fmt: ExportFormat | str,
    out_dir: str | Path,
    tables: Sequence[str] | None = None,
) -> list[Path]:
    """Write each table (default: every data table) to ``<out_dir>/<table>.<fmt>``.

    Rows are ordered by the table's key, so two exports of the same data are identical.
    """
    chosen = ExportFormat(fmt)
    names = list(tables) if tables else list(DATA_TABLES)
    unknown = [name for name in names if name not in TABLES]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; tables: {', '.join(DATA_TABLES)}")
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    con = connect_db(db_path, read_only=True)
    written = []
    try:
        for name in names:
            path = target / f"{name}.{chosen.value}"
            # written beside, then renamed: a killed export never leaves a valid-looking part
            partial = target / f".{name}.{chosen.value}.partial"
            order = ", ".join(TABLES[name].key)
            quoted = str(partial).replace("'", "''")
            source = _with_payload_text(con, name, order) if name == "orders" else name
            try:
                con.execute(
                    f"COPY (SELECT * FROM {source} ORDER BY {order}) TO '{quoted}' "
                    f"{_OPTIONS[chosen]}"
                )
                partial.chmod(0o600)  # exports hold customer data
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
            written.append(path)
    finally:
        con.close()
    return written


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

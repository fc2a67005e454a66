"""The reporting pipeline: sync every store into one schema (a DuckDB file, or PostgreSQL with
the ``postgres`` extra), then report and export.

>>> from unified_orders.sync import run_sync, report, sandbox_stores
>>> summary = run_sync(sandbox_stores(), "unified-orders.duckdb")
>>> report("unified-orders.duckdb", "refunds", group_by="platform")

Modules, one job each: ``schema`` (tables and their docs), ``rows`` (canonical models -> rows),
``payloads`` (the compressed ``orders.raw``), ``destination`` (the seam: what a sync hands a
database, the ``Destination`` and ``Reader`` protocols), ``writer`` (the DuckDB destination),
``postgres`` (the PostgreSQL destination, the one module importing psycopg), ``databases``
(opening the one a path or URL names), ``batching`` (the one writer of a sync), ``runner`` (concurrent, resumable sync), ``progress``,
``sources`` (the default sandbox stores), ``report``, ``export``. The ``sync``, ``report`` and
``export`` commands live with the other commands, in ``unified_orders.cli.cmd_sync``.
"""

from .databases import open_destination, open_reader
from .destination import Destination, StoreBusy
from .export import ExportFormat, export
from .payloads import payload
from .progress import LogProgress, NullProgress, Progress, RichProgress, auto_progress
from .report import GroupBy, ReportKind, report, report_json, report_table
from .runner import (
    DEFAULT_LOOKBACK,
    DEFAULT_WINDOW_DAYS,
    StoreResult,
    StoreSource,
    SyncSummary,
    run_sync,
    strategy_for,
    sync_stores,
)
from .schema import TABLES, schema_markdown
from .sources import sandbox_stores
from .writer import DEFAULT_DB, Database, connect_db

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_LOOKBACK",
    "DEFAULT_WINDOW_DAYS",
    "TABLES",
    "Database",
    "Destination",
    "ExportFormat",
    "GroupBy",
    "LogProgress",
    "NullProgress",
    "Progress",
    "ReportKind",
    "RichProgress",
    "StoreBusy",
    "StoreResult",
    "StoreSource",
    "SyncSummary",
    "auto_progress",
    "connect_db",
    "export",
    "open_destination",
    "open_reader",
    "payload",
    "report",
    "report_json",
    "report_table",
    "run_sync",
    "sandbox_stores",
    "schema_markdown",
    "strategy_for",
    "sync_stores",
]

"""Open the destination a ``--db`` value names: a DuckDB file path, or a ``postgresql://`` URL.

The PostgreSQL module (and psycopg with it) is imported only when a URL asks for it; without the
``postgres`` extra that is a :class:`~unified_orders.errors.ConfigurationError` naming the
install command.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigurationError
from .destination import Destination, Reader, is_postgres_url
from .writer import Database, DuckDBReader

__all__ = ["INSTALL_HINT", "open_destination", "open_reader"]

INSTALL_HINT = "pip install 'unified-orders[postgres]'"


def _missing_psycopg(error: ImportError) -> ConfigurationError:
    if not (error.name or "").startswith("psycopg"):
        raise error
    return ConfigurationError(
        f"a postgresql:// database needs psycopg, which is not installed: {INSTALL_HINT}"
    )


def open_destination(target: str | Path, *, memory_limit: str | None = None) -> Destination:
    """The database a sync writes into (created, with its tables, when missing).

    ``memory_limit`` caps DuckDB's memory (see :func:`~unified_orders.sync.writer.connect_db`);
    PostgreSQL manages its own.
    """
    if is_postgres_url(target):
        try:
            from .postgres import PostgresDatabase
        except ImportError as error:
            raise _missing_psycopg(error) from None
        return PostgresDatabase(str(target))
    return Database(target, memory_limit=memory_limit)


def open_reader(target: str | Path) -> Reader:
    """A read-only view for reports and exports (a DuckDB file must exist; a PostgreSQL
    database must have been synced into)."""
    if is_postgres_url(target):
        try:
            from .postgres import PostgresReader
        except ImportError as error:
            raise _missing_psycopg(error) from None
        return PostgresReader(str(target))
    return DuckDBReader(target)

"""Migration test fixtures: an isolated data dir (sandbox states, locks), the CLI in-process,
and the product map that points each sandbox's SKUs at the Next Commerce sandbox's variants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from migrate_helpers import Migrate
from typer.testing import CliRunner

from unified_orders.cli import app

#: Source SKU -> Next Commerce sandbox variant id (one Shopify SKU, EX-CAP, left out on purpose
#: in :func:`nc_map` when a test asks for an unmappable product).
NC_VARIANTS = {
    "EX-HOODIE": "1104",
    "EX-SNEAKERS": "1101",
    "EX-MUG": "1102",
    "EX-CAP": "1101",
    "EX-BACKPACK": "1104",
    "EX-GIFT": "1103",
    **{f"SW00{n}": v for n, v in (("100", "1101"), ("101", "1102"), ("200", "1104"))},
    **{f"SW00{n}": v for n, v in (("201", "1101"), ("300", "1102"), ("400", "1103"))},
    **{f"SW00{n}": v for n, v in (("500", "1101"), ("501", "1102"), ("600", "1101"))},
    **{f"SW00{n}": v for n, v in (("601", "1102"), ("700", "1104"), ("800", "1101"))},
    **{f"SW00{n}": v for n, v in (("801", "1102"), ("900", "1101"))},
    "SW01000": "1102",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sandbox states, locks and config all inside the test's tmp dir."""
    monkeypatch.setenv("UNIFIED_ORDERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UNIFIED_ORDERS_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("UNIFIED_ORDERS_CONFIG", raising=False)
    monkeypatch.delenv("UNIFIED_ORDERS_DB", raising=False)
    return tmp_path


@pytest.fixture
def nc_map(tmp_path: Path) -> Callable[..., Path]:
    """Write the product map CSV, without the SKUs given."""

    def write(*without: str) -> Path:
        path = tmp_path / "products.csv"
        rows = [f"{sku},{variant}" for sku, variant in NC_VARIANTS.items() if sku not in without]
        path.write_text("source,target\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The destination database file of the test."""
    return tmp_path / "migrate.duckdb"


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Invoke the CLI in-process (stdout not a terminal)."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def migrate(cli: Callable[..., Any], db: Path) -> Migrate:
    """``unified-orders migrate SOURCE TARGET --db DB --yes ...``: the exit code and summary."""

    def run(source: str, target: str, *extra: str) -> tuple[int, dict[str, Any]]:
        args = ["migrate", f"sandbox-{source}", f"sandbox-{target}", "--db", str(db), "--yes"]
        result = cli(*args, *extra)
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        assert lines, result.output
        return result.exit_code, json.loads(lines[-1])

    return run

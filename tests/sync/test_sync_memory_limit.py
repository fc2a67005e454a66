"""DuckDB's memory cap: 128MB by default, settable per call or through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from unified_orders.sync.writer import MEMORY_LIMIT_ENV, connect_db


def limit_of(path: Path, **kw: str) -> str:
    con = connect_db(path, **kw)
    try:
        value = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert value is not None
        return str(value[0])
    finally:
        con.close()


def test_memory_limit_argument_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    default = limit_of(tmp_path / "a.duckdb")
    capped = limit_of(tmp_path / "b.duckdb", memory_limit="256MB")
    assert capped != default
    assert capped.startswith(("244", "256"))  # DuckDB reports MiB
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "256MB")
    assert limit_of(tmp_path / "c.duckdb") == capped
    monkeypatch.delenv(MEMORY_LIMIT_ENV)
    assert default.startswith(("122", "128"))  # the default cap
    uncapped = limit_of(tmp_path / "d.duckdb", memory_limit="none")
    assert uncapped not in (default, capped)  # DuckDB's own: 80 % of RAM

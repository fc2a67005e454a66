"""CLI test fixtures: an isolated config/data dir, the toy platform, and a CliRunner helper."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from typer.testing import CliRunner, Result

from unified_orders.cli import app

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user config, data or lock dir leaks in: all point into the test's tmp dir (child
    processes inherit them)."""
    monkeypatch.setenv("UNIFIED_ORDERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UNIFIED_ORDERS_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("UNIFIED_ORDERS_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def toy() -> Iterator[None]:
    """The toy platform, registered through pluggy for the test."""
    toy_platform.register()
    try:
        yield
    finally:
        toy_platform.unregister()


@pytest.fixture
def toy_config(tmp_path: Path, toy: None) -> Path:
    """A config naming one toy sandbox store, ``toy``."""
    path = tmp_path / "stores.toml"
    path.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\n', encoding="utf-8")
    return path


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process: ``run("orders", "get", ...)``; stdout is not a terminal."""
    runner = CliRunner()

    def invoke(*args: str, config: Path | None = None, input: str | None = None) -> Result:
        argv = (["--config", str(config)] if config else []) + list(args)
        return runner.invoke(app, argv, input=input, catch_exceptions=False)

    return invoke


def lines_of(result: Result) -> list[Any]:
    """The JSON Lines a command printed."""
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

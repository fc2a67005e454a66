"""The engine options' errors, before anything is started: a missing extra names the pip
command, misused options are usage errors, an unreachable server a configuration error."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from unified_orders.cli.app import app
from unified_orders.engine import require_temporal
from unified_orders.errors import ConfigurationError


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("UNIFIED_ORDERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("UNIFIED_ORDERS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def invoke(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args))


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_the_extra_the_error_names_the_pip_command(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "temporalio", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"pip install 'unified-orders\[temporal\]'"):
        require_temporal()
    done = invoke(cli, "sync", "--engine", "temporal")
    assert done.exit_code == 3
    assert "pip install 'unified-orders[temporal]'" in done.output
    done = invoke(cli, "worker")
    assert done.exit_code == 3
    assert "pip install 'unified-orders[temporal]'" in done.output


def test_engine_options_misused_are_usage_errors(cli: CliRunner) -> None:
    done = invoke(cli, "refunds", "create", "sandbox-shopify", "#1001", "--engine", "temporal")
    assert done.exit_code == 2
    assert "--from-csv" in done.output
    done = invoke(cli, "sync", "--engine", "temporal", "--db", "elsewhere.duckdb")
    assert done.exit_code == 2
    assert "give --db to `unified-orders worker`" in done.output
    assert not Path("elsewhere.duckdb").exists()


def test_an_unreachable_server_is_a_configuration_error_naming_it(cli: CliRunner) -> None:
    pytest.importorskip("temporalio", reason="the temporal extra (temporalio) is not installed")
    address = f"127.0.0.1:{free_port()}"
    done = invoke(cli, "sync", "--engine", "temporal", "--temporal", address)
    assert done.exit_code == 3
    assert f"cannot reach the Temporal server at {address}" in done.output

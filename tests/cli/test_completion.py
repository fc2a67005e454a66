"""``unified-orders completion bash|zsh|fish``, and what a shell gets back when it asks: store
names from the config, enum values, cancel reasons, restock types in ``--line``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Run

from unified_orders.cli.completion import COMPLETE_VAR, cancel_reasons, refund_lines

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_calls_the_command_back(run: Run, shell: str) -> None:
    result = run("completion", shell)
    assert result.exit_code == 0, result.stderr
    assert COMPLETE_VAR in result.stdout
    assert f"complete_{shell}" in result.stdout
    assert "unified-orders" in result.stdout


def test_an_unknown_shell_is_a_usage_error(run: Run) -> None:
    result = run("completion", "tcsh")
    assert result.exit_code == 2


def bash_completes(words: str, config: Path | None = None) -> list[str]:
    """What bash gets for the last word of ``words`` (a fresh process, as the shell runs it)."""
    line = "unified-orders " + (f"--config {config} " if config else "") + words
    env = {
        **os.environ,
        COMPLETE_VAR: "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - (0 if line.endswith(" ") else 1)),
    }
    done = subprocess.run(
        [sys.executable, "-m", "unified_orders"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_store_names_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "stores.toml"
    config.write_text(
        '[stores.acme-us]\nplatform = "shopify"\nshop = "acme-us.myshopify.com"\n'
        'access_token_env = "ACME_US_TOKEN"\n'
        '[stores.acme-de]\nplatform = "shopware"\nsandbox = true\n',
        encoding="utf-8",
    )
    assert bash_completes("orders get ", config) == ["acme-us", "acme-de"]
    assert bash_completes("orders get acme-d", config) == ["acme-de"]
    assert bash_completes("stores check acme-us ", config) == ["acme-us", "acme-de"]
    builtin = bash_completes("refunds list sandbox-")  # no config file: the sandbox stores
    assert "sandbox-shopify" in builtin
    assert all(name.startswith("sandbox-") for name in builtin)


def test_commands_and_enum_values() -> None:
    assert bash_completes("re") == ["refunds", "returns", "report"]
    assert bash_completes("fulfillments hold s fo --reason inc") == ["incorrect_address"]
    assert bash_completes("report ") == ["refunds", "returns", "orders"]
    assert bash_completes("completion ") == ["bash", "zsh", "fish"]
    assert bash_completes("orders cancel s 1 --reason f") == ["fraud"]
    assert bash_completes("refunds create s 1 --line 501:2:re") == ["501:2:return"]


def test_cancel_reasons_and_restock_types() -> None:
    assert cancel_reasons("") == ["customer", "fraud", "inventory", "declined", "staff", "other"]
    assert cancel_reasons("in") == ["inventory"]
    assert refund_lines("501:1:") == ["501:1:no_restock", "501:1:cancel", "501:1:return"]
    gid = "gid://shopify/LineItem/7:1:c"
    assert refund_lines(gid) == ["gid://shopify/LineItem/7:1:cancel"]
    assert refund_lines("501:") == []  # the quantity is not there yet
    assert refund_lines("gid://shopify/LineItem/7:") == []

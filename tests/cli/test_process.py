"""The installed console script in a subprocess, and a real pseudo-terminal session (pexpect)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

import unified_orders as uo

HERE = Path(__file__).resolve().parent
TOY_CLI = HERE / "toy_cli.py"


def console_script() -> str:
    """The installed ``unified-orders`` script: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "unified-orders"
    found = str(beside) if beside.exists() else shutil.which("unified-orders")
    if found is None:
        pytest.skip("the unified-orders console script is not installed (pip install -e .)")
    return found


def test_console_script_runs(tmp_path: Path) -> None:
    script = console_script()
    version = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0
    assert version.stdout.strip() == "unified-orders 0.1.0"

    missing = subprocess.run(
        [script, "--config", str(tmp_path / "nope.toml"), "stores", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 3
    assert missing.stdout == ""
    assert missing.stderr.strip().splitlines()[-1] == (
        f"configuration error: config file {tmp_path / 'nope.toml'} (from --config) does not exist"
    )

    usage = subprocess.run([script, "orders", "get"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unified_orders", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "refunds" in result.stdout
    assert "fulfillments" in result.stdout


def _spawn(args: list[str], config: Path) -> pexpect.spawn:
    env = {**os.environ, "COLUMNS": "160", "LINES": "50", "TERM": "xterm"}
    return pexpect.spawn(
        sys.executable,
        [str(TOY_CLI), "--config", str(config), *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 160),
    )


def test_tables_and_confirmation_in_a_real_terminal(toy_config: Path) -> None:
    listed = _spawn(["orders", "list", "toy"], toy_config)
    listed.expect("Orders \\(3\\)")
    listed.expect("90.00 USD")
    listed.expect(pexpect.EOF)
    listed.close()
    assert listed.exitstatus == 0

    declined = _spawn(["refunds", "create", "toy", "1001", "--line", "10011:1"], toy_config)
    declined.expect("Refund preview for order 1001")
    declined.expect("12.50 USD")
    declined.expect_exact("Refund 12.50 USD on order 1001 of toy? [y/N]:")
    declined.sendline("n")
    declined.expect("not confirmed; nothing was sent")
    declined.expect(pexpect.EOF)
    declined.close()
    assert declined.exitstatus == 8

    agreed = _spawn(["refunds", "create", "toy", "1001", "--line", "10011:1"], toy_config)
    agreed.expect_exact("Refund 12.50 USD on order 1001 of toy? [y/N]:")
    agreed.sendline("y")
    agreed.expect("Refund refund-1")
    agreed.expect("Refunded lines")
    agreed.expect(pexpect.EOF)
    agreed.close()
    assert agreed.exitstatus == 0

    after = _spawn(["refunds", "list", "toy", "1001"], toy_config)
    after.expect("Refunds \\(1\\)")
    after.expect(pexpect.EOF)
    after.close()
    assert after.exitstatus == 0


def test_an_error_breaks_between_words_in_an_80_column_terminal(tmp_path: Path) -> None:
    """A long error on a terminal breaks between words at its width (a terminal broke it
    mid-word); into a pipe it stays one line."""
    config = tmp_path / "config.toml"
    config.write_text('[stores.acme-us]\nplatform = "shopify"\nshop = "acme-us"\ncolour = "red"\n')
    args = ["-m", "unified_orders", "--config", str(config), "orders", "list", "acme-us"]
    piped = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    assert piped.returncode == 3
    line = piped.stderr.strip()
    assert "\n" not in line
    assert len(line) > 160
    env = {**os.environ, "COLUMNS": "80", "LINES": "40", "TERM": "xterm"}
    shown = pexpect.spawn(
        sys.executable, args, env=env, encoding="utf-8", timeout=30, dimensions=(40, 80)
    )
    shown.expect(pexpect.EOF)
    shown.close()
    assert shown.exitstatus == 3
    lines = [text.rstrip() for text in str(shown.before).replace("\r", "").splitlines() if text]
    assert len(lines) > 2
    assert all(len(text) <= 80 for text in lines)
    assert all(text.startswith("  ") for text in lines[1:])
    assert " ".join(text.strip() for text in lines) == line


def test_console_script_refund_with_confirmation_on_a_real_sandbox() -> None:
    """The installed script on the built-in sandbox-shopify store, in a pseudo-terminal."""
    info = uo.adapters().get("shopify")
    if info is None or info.error is not None:
        pytest.skip("the shopify adapter is not registered, so sandbox-shopify does not exist")
    script = console_script()
    listed = subprocess.run(
        [script, "orders", "list", "sandbox-shopify"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    candidates = [
        (order["id"], line["id"])
        for order in map(json.loads, listed.stdout.splitlines())
        if order["financial_status"] == "paid"
        for line in order["lines"]
        if line["current_quantity"] - line["refunded_quantity"] >= 1
    ]
    if not candidates:
        pytest.skip("sandbox-shopify has no paid order with a refundable line")
    order, line = candidates[0]
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    child = pexpect.spawn(
        script,
        ["refunds", "create", "sandbox-shopify", order, "--line", f"{line}:1"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 160),
    )
    child.expect(f"Refund preview for order {order}")
    child.expect_exact(f"on order {order} of sandbox-shopify? [y/N]:")
    child.sendline("y")
    child.expect("Refunded lines")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    after = subprocess.run(
        [script, "orders", "get", "sandbox-shopify", order],
        capture_output=True,
        text=True,
        timeout=60,
    )
    got = json.loads(after.stdout)
    assert next(x for x in got["lines"] if x["id"] == line)["refunded_quantity"] >= 1

"""The CLI as a real process among others: a closed pipe, Ctrl-C while waiting, a busy database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pexpect
from procs import CRASH_CLI, config_for, finish, require, start

from unified_orders.cli.sandboxes import SandboxStates
from unified_orders.sync.writer import BUSY_WAIT_SECONDS


def test_orders_list_into_head_exits_0_without_a_traceback(tmp_path: Path, toy: None) -> None:
    config = tmp_path / "many.toml"
    # thousands of orders: far more JSON than a pipe holds, so the writer meets the closed pipe
    config.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\norders = 3000\n')
    lister = subprocess.Popen(
        [sys.executable, str(CRASH_CLI), "--config", str(config), "orders", "list", "toy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert lister.stdout is not None
    head = subprocess.run(["head", "-1"], stdin=lister.stdout, capture_output=True, timeout=120)
    lister.stdout.close()  # only head holds the reading end: it is gone when head exits
    _, stderr = lister.communicate(timeout=120)
    assert head.stdout.decode().startswith('{"id": "1001"')
    assert lister.returncode == 0
    assert stderr.decode() == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_ctrl_c_while_waiting_for_a_busy_sandbox_store_exits_130(tmp_path: Path, toy: None) -> None:
    config = config_for(tmp_path)
    with SandboxStates().lock("toy"):  # another command is using the store
        waiting = start(config, "orders", "get", "toy", "1001")
        time.sleep(3)  # started, imported, now blocked on the state lock
        assert waiting.poll() is None, waiting.communicate()
        waiting.send_signal(signal.SIGINT)
        result = finish(waiting)
    assert result.code == 130, str(result)
    assert result.stderr.strip().splitlines()[-1] == "interrupted: stopped by Ctrl-C"
    assert "Traceback" not in result.stderr


def test_a_second_sync_on_a_database_another_process_writes_exits_11(
    tmp_path: Path, toy: None
) -> None:
    require("sandbox-nextcommerce")
    config = config_for(tmp_path)
    db = tmp_path / "busy.duckdb"
    holder = duckdb.connect(str(db))  # this process holds DuckDB's one writer lock
    try:
        began = time.monotonic()
        result = finish(start(config, "sync", "sandbox-nextcommerce", "--db", str(db)))
        waited = time.monotonic() - began
    finally:
        holder.close()
    assert result.code == 11, str(result)
    assert result.stderr.strip().splitlines()[-1] == (
        f"busy: the database {db} is in use by another process (a running sync or webhooks "
        "serve holds DuckDB's one writer lock); wait for it to finish and run this again, use "
        "--db with another file, or use PostgreSQL to share one database"
    )
    assert waited >= BUSY_WAIT_SECONDS  # it waited for the other writer first, and said so
    warning = f"warning: the database {db} is in use by another process; waiting up to 5 s"
    assert result.stderr.splitlines()[0] == warning  # said at once, one line into a pipe
    after = finish(start(config, "sync", "sandbox-nextcommerce", "--db", str(db)))
    assert after.code == 0, str(after)


def test_the_busy_database_warning_breaks_between_words_in_an_80_column_terminal(
    tmp_path: Path, toy: None
) -> None:
    """A library warning on a terminal is a ``warning:`` line broken between words at its
    width, as the error after it (Python's own last resort printed it bare, breaking words)."""
    require("sandbox-nextcommerce")
    config = config_for(tmp_path)
    db = tmp_path / "busy.duckdb"
    holder = duckdb.connect(str(db))
    try:
        shown = pexpect.spawn(
            sys.executable,
            [
                str(CRASH_CLI),
                "--config",
                str(config),
                "sync",
                "sandbox-nextcommerce",
                "--db",
                str(db),
            ],
            env={**os.environ, "COLUMNS": "80", "LINES": "40", "TERM": "xterm"},
            encoding="utf-8",
            timeout=60,
            dimensions=(40, 80),
        )
        shown.expect(pexpect.EOF)
        shown.close()
    finally:
        holder.close()
    assert shown.exitstatus == 11
    lines = [text.rstrip() for text in str(shown.before).replace("\r", "").splitlines() if text]
    # only a word longer than the width (the file's path) stands alone on a longer line
    assert all(len(text) <= 80 or " " not in text.strip() for text in lines)
    assert lines[0] == "warning: the database"
    joined = " ".join(text.strip() for text in lines)
    assert joined.startswith(
        f"warning: the database {db} is in use by another process; waiting up to 5 s busy: "
    )
    assert all(text.startswith("  ") or text.startswith(("warning:", "busy:")) for text in lines)


def test_a_failed_store_is_said_once_in_its_result_line_not_again_as_a_warning(
    tmp_path: Path, toy: None
) -> None:
    require("sandbox-nextcommerce")
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = {"UNIFIED_ORDERS_SANDBOX_SERVER": f"http://127.0.0.1:{port}"}
    db = tmp_path / "failed.duckdb"
    result = finish(
        start(config_for(tmp_path), "sync", "sandbox-nextcommerce", "--db", str(db), env=server)
    )
    assert result.code == 6, str(result)
    said = [line for line in result.stderr.splitlines() if "no sandbox server answers" in line]
    assert len(said) == 1, result.stderr
    assert said[0].startswith("sync sandbox-nextcommerce: FAILED after 0 orders")
    assert "sync of sandbox-nextcommerce failed" not in result.stderr

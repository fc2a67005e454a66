"""Stores synced by one process against the same stores split over several processes.

    python bench/processes.py [--platform shopware] [--stores 50] [--processes 2]
                              [--latency 0.1] [--rounds 3]

One `sync` process runs its stores on one event loop (one CPU). Into PostgreSQL, several
processes may sync disjoint groups of stores at once (docs/scale-out.md); this measures what that
gains. The sandbox stores are served from a forked process over loopback HTTP (``served``),
answering after ``--latency`` seconds; the database is a throwaway PostgreSQL cluster made with
the server's own ``initdb`` (the test suite's ``pg_cluster``), a fresh database per sync. Each
round times one store alone, every store in one process, and every store split round-robin over
``--processes`` processes (forked; their start-up is counted), and prints the ratios to one
store. Never asserted in tests; recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

import served
from pg_cluster import Cluster, why_not  # type: ignore[import-not-found]

import unified_orders as uo
from unified_orders.sync import run_sync


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", default="shopware")
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.1, help="simulated round trip (s)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    missing = why_not()
    if missing:
        sys.exit(f"skipped: {missing}")
    settings: dict[str, Any] = {"rate_limit": True}
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    server = context.Process(
        target=served._serve,
        args=(theirs, args.platform, args.stores, args.latency, settings),
        daemon=True,
    )
    server.start()
    url = ours.recv()
    cluster = Cluster()

    def sync(indexes: Iterable[int], db: str) -> None:
        # stores made in the process that syncs them (an async store keeps its event loop)
        stores = {
            f"s{i}": uo.connect_async(
                args.platform, sandbox=True, sandbox_server=f"{url}/stores/s{i}", **settings
            )
            for i in indexes
        }
        summary = run_sync(stores, db)
        if not summary.ok:
            sys.exit(f"a sync failed: {[r.error for r in summary.results if not r.ok]}")

    def timed_split(db: str) -> float:
        started = time.monotonic()
        workers = [
            context.Process(target=sync, args=(range(i, args.stores, args.processes), db))
            for i in range(args.processes)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if any(worker.exitcode for worker in workers):
            sys.exit("a sync process failed")
        return time.monotonic() - started

    def timed(indexes: Iterable[int]) -> float:
        started = time.monotonic()
        sync(indexes, cluster.database())
        return time.monotonic() - started

    print(
        f"{args.platform}: {args.stores} served sandbox stores, {args.latency * 1000:.0f} ms round "
        f"trip, into PostgreSQL; 1 process vs {args.processes}"
    )
    try:
        timed([0])  # warm-up: imports, the first connections
        for _ in range(args.rounds):
            one = timed([0])
            together = timed(range(args.stores))
            split = timed_split(cluster.database())
            print(
                f"1 store {one:.2f} s; {args.stores} in 1 process {together:.2f} s "
                f"({together / one:.2f}x); in {args.processes} processes {split:.2f} s "
                f"({split / one:.2f}x)",
                flush=True,
            )
    finally:
        ours.send(None)
        server.join(10)
        cluster.stop()


if __name__ == "__main__":
    main()

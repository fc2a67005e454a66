"""Stores synced by one process against the same stores spread over worker processes.

    python bench/processes.py [--platform shopware] [--stores 50] [--processes 2]
                              [--latency 0.1] [--rounds 3]

One process runs its stores on one event loop (one CPU); ``run_sync(..., processes=N)``
(``sync --processes N``) syncs them in N worker processes into PostgreSQL
(:mod:`unified_orders.sync.processes`). This measures what that gains. The sandbox stores are
served from a forked process over loopback HTTP (``served``), answering after ``--latency``
seconds; the database is a fresh one per sync in a throwaway PostgreSQL cluster made with the
server's own ``initdb`` (the test suite's ``pg_cluster``). Each round times one store alone,
every store in one process, and every store over ``--processes`` workers (their start-up
counted), and prints the ratios to one store. Never asserted in tests; recorded in
bench/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
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
    cluster = Cluster()
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

    def timed(indexes: Iterable[int], processes: int = 1) -> float:
        # factories: each store is made in the process that syncs it
        stores: dict[str, Callable[[], Any]] = {
            f"s{i}": partial(
                uo.connect_async,
                args.platform,
                sandbox=True,
                sandbox_server=f"{url}/stores/s{i}",
                **settings,
            )
            for i in indexes
        }
        started = time.monotonic()
        summary = run_sync(stores, cluster.database(), processes=processes)  # type: ignore[arg-type]
        elapsed = time.monotonic() - started
        if not summary.ok:
            sys.exit(f"a sync failed: {[r.error for r in summary.results if not r.ok]}")
        return elapsed

    print(
        f"{args.platform}: {args.stores} served sandbox stores, {args.latency * 1000:.0f} ms round "
        f"trip, into PostgreSQL; 1 process vs {args.processes}"
    )
    try:
        timed([0])  # warm-up: imports, the first connections
        for _ in range(args.rounds):
            one = timed([0])
            together = timed(range(args.stores))
            spread = timed(range(args.stores), args.processes)
            print(
                f"1 store {one:.2f} s; {args.stores} in 1 process {together:.2f} s "
                f"({together / one:.2f}x); over {args.processes} processes {spread:.2f} s "
                f"({spread / one:.2f}x)",
                flush=True,
            )
    finally:
        ours.send(None)
        server.join(10)
        cluster.stop()


if __name__ == "__main__":
    main()

"""Child process of the memory benchmark: seed N sandbox orders, sync them, report RSS as JSON.

Usage: python bench/memory_child.py PLATFORM N DB [--separate] [--page-size K]

PLATFORM is a registered adapter with a sandbox ``seed_orders(n)`` (nextcommerce, shopware), or
``synctoy`` (the test suite's throwaway platform).

Two set-ups:

- in-process (default): the sandbox lives in this process, as with ``sandbox=True``. Peak RSS
  (``resource.getrusage`` ru_maxrss) then counts the sandbox's 100,000 orders too:
  ``emulator_mb`` is the RSS growth while seeding, ``sync_peak_mb`` the peak above the RSS
  before the sync started.
- ``--separate``: the sandbox runs in a forked server process and answers over a pipe, like a
  platform across the network; this process holds only the sync, so its peak RSS is the sync's
  own. ``emulator_peak_rss_mb`` is the server's peak, reported separately.

``--page-size`` sets the listing page size: the Next Commerce sandbox's page (4 by default, to
exercise pagination) or the Shopware adapter's ``page_size`` (100 by default).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import unified_orders as uo
from unified_orders.adapter import Emulator
from unified_orders.http import emulator_transport
from unified_orders.sync import run_sync
from unified_orders.testing.sandbox import instrumented_sandbox


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux


def seeded_emulator(platform: str, n: int, page_size: int | None) -> Emulator:
    """The platform's sandbox with ``n`` generated orders."""
    emulator = uo.connect(platform, sandbox=True).sandbox
    assert emulator is not None
    emulator.seed_orders(n)  # type: ignore[attr-defined]
    if page_size is not None and platform == "nextcommerce":
        emulator.page_size = page_size  # type: ignore[attr-defined]
    return emulator


def serve(conn: Connection, platform: str, n: int, page_size: int | None) -> None:
    """The sandbox server: answer requests from the pipe until None arrives."""
    started = time.monotonic()
    emulator = seeded_emulator(platform, n, page_size)
    conn.send({"seed_seconds": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb())})
    while True:
        request = conn.recv()
        if request is None:
            break
        conn.send(emulator.handle(*request))
    conn.send({"peak_rss_mb": round(peak_mb())})


class RemoteEmulator(Emulator):
    """An emulator in another process, reached over a pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        self.conn.send((method, path, dict(query), dict(headers), body))
        answer: tuple[int, Any, Mapping[str, str]] = self.conn.recv()
        return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform")
    parser.add_argument("orders", type=int)
    parser.add_argument("db")
    parser.add_argument("--separate", action="store_true")
    parser.add_argument("--page-size", type=int, default=None)
    parser.add_argument("--no-raw", action="store_true", help="run_sync(keep_raw=False)")
    parser.add_argument(
        "--duckdb-memory-limit",
        default=None,
        help="DuckDB memory_limit of the sync (e.g. 100MB, 'none'); default: the library's",
    )
    args = parser.parse_args()
    platform, n = args.platform, args.orders
    settings: dict[str, Any] = {}
    if args.page_size is not None and platform == "shopware":
        settings["page_size"] = args.page_size
    start = rss_mb()
    extra: dict[str, Any] = {}
    server = None
    if platform == "synctoy":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))
        import sync_toy  # type: ignore[import-not-found]

        sync_toy.register()
        store = uo.connect_async("synctoy", sandbox=True, orders=n, page_size=args.page_size or 250)
        store.sandbox  # noqa: B018 - the emulator seeds n orders when built
    elif args.separate:
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        server = multiprocessing.get_context("fork").Process(
            target=serve, args=(theirs, platform, n, args.page_size), daemon=True
        )
        server.start()
        extra["emulator"] = ours.recv()
        remote = RemoteEmulator(ours)
        store = instrumented_sandbox(  # type: ignore[assignment]
            platform, lambda _: emulator_transport(remote), asynchronous=True, **settings
        )
    else:
        store = uo.connect_async(platform, sandbox=True, **settings)
        store.sandbox.seed_orders(n)  # type: ignore[union-attr]
        if args.page_size is not None and platform == "nextcommerce":
            store.sandbox.page_size = args.page_size  # type: ignore[union-attr]
    seeded_rss = rss_mb()
    started = time.monotonic()
    summary = run_sync(
        {"m": store},
        args.db,
        details=False,
        keep_raw=not args.no_raw,
        memory_limit=args.duckdb_memory_limit,
    )
    seconds = time.monotonic() - started
    peak = peak_mb()
    if server is not None:
        ours.send(None)
        extra["emulator_peak_rss_mb"] = ours.recv()["peak_rss_mb"]
        server.join(10)
    result = summary.results[0]
    print(
        json.dumps(
            {
                "ok": result.ok,
                "mode": "separate" if server is not None else "in-process",
                "orders": result.orders,
                "seconds": round(seconds, 1),
                "orders_per_s": round(result.orders / seconds) if seconds else None,
                "peak_rss_mb": round(peak),
                "emulator_mb": round(seeded_rss - start),
                "sync_peak_mb": round(peak - seeded_rss),
                **extra,
                "error": result.error,
            }
        )
    )


if __name__ == "__main__":
    main()

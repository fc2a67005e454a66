"""Child process of the memory benchmark: seed N sandbox orders, sync them, report RSS as JSON.

Usage: python bench/memory_child.py PLATFORM N DB
PLATFORM is a registered adapter with a sandbox ``seed_orders(n)``, or ``synctoy`` (the test
suite's throwaway platform, whose emulator pages in O(page) so 100,000 orders take seconds).
Peak RSS is ``resource.getrusage`` (ru_maxrss); ``emulator_mb`` is RSS growth while seeding
(the in-process sandbox's own data), ``sync_peak_mb`` the peak above the RSS before the sync.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import unified_orders as uo
from unified_orders.sync import run_sync


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def main() -> None:
    platform, n, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = rss_mb()
    if platform == "synctoy":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))
        import sync_toy

        sync_toy.register()
        store = uo.connect_async("synctoy", sandbox=True, orders=n, page_size=250)
        store.sandbox  # noqa: B018 - the emulator seeds n orders when built
    else:
        store = uo.connect_async(platform, sandbox=True)
        store.sandbox.seed_orders(n)  # type: ignore[union-attr]
    seeded = rss_mb()
    started = time.monotonic()
    summary = run_sync({"m": store}, db, details=False)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    result = summary.results[0]
    print(
        json.dumps(
            {
                "ok": result.ok,
                "orders": result.orders,
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(peak),
                "emulator_mb": round(seeded - start),
                "sync_peak_mb": round(peak - seeded),
                "error": result.error,
            }
        )
    )


if __name__ == "__main__":
    main()

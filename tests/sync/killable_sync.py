"""Run one sync of a slow toy store in this process (the kill-and-resume test SIGKILLs it).

Usage: python killable_sync.py DB ORDERS PAGE_SIZE DELAY [STORE...]
DB is a DuckDB file or a postgresql:// URL; the stores (default: one, ``slow``) are toy stores
with the same seeded orders. Prints one line per written page on stdout (LogProgress), flushed.
Exits 0 when every store synced, 11 when the only failures were stores another process was
syncing (busy), else 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_toy

import unified_orders as uo
from unified_orders.sync import LogProgress, run_sync


def main() -> int:
    db, orders, page_size, delay = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        float(sys.argv[4]),
    )
    names = sys.argv[5:] or ["slow"]
    sync_toy.register()
    store = lambda: uo.connect_async(  # noqa: E731
        "synctoy", sandbox=True, orders=orders, page_size=page_size, delay=delay
    )
    summary = run_sync(dict.fromkeys(names, store), db, progress=LogProgress(sys.stdout))
    if summary.ok:
        return 0
    return 11 if all(result.busy for result in summary.failed) else 1


if __name__ == "__main__":
    raise SystemExit(main())

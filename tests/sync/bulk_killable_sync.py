"""Run one bulk sync of a Shopify sandbox kept in a state file (the bulk kill test SIGKILLs it).

Usage: python bulk_killable_sync.py DB STATE ORDERS DELAY
The sandbox's state (its orders and bulk jobs) is loaded from STATE and written back after every
request, so a killed process's successor sees the same store and the same jobs, as it would see
Shopify. Prints one line per written page on stdout (LogProgress), flushed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.sync import LogProgress, run_sync
from unified_orders.sync import bulk as bulk_phase


def main() -> int:
    db, state_file, orders, delay = (
        sys.argv[1],
        Path(sys.argv[2]),
        int(sys.argv[3]),
        float(sys.argv[4]),
    )
    bulk_phase.BATCH_ORDERS = 3
    bulk_phase.BULK_MIN_ORDERS = 1  # a small store, read in bulk all the same
    store = uo.connect_async("shopify", sandbox=True, job_poll_interval=delay)
    emulator: Any = store.sandbox

    def save() -> None:
        partial = state_file.with_suffix(".partial")
        partial.write_text(jsonutil.dumps(emulator.dump_state()))
        os.replace(partial, state_file)

    if state_file.exists():
        emulator.load_state(jsonutil.loads(state_file.read_text()))
    else:
        emulator.seed_orders(orders)
        save()
    emulator.bulk.faults.polls = 3  # a job runs a few polls: kills land while it runs too
    handle = emulator.handle

    def persisted(*args: Any) -> Any:
        answer = handle(*args)
        save()
        time.sleep(delay)
        return answer

    emulator.handle = persisted
    summary = run_sync({"shop": store}, db, progress=LogProgress(sys.stdout))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

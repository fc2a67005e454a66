"""The CLI (toy platform registered) that kills itself with SIGKILL at a chosen point.

``UO_TEST_KILL_AT=done``: right after the platform accepted a bulk refund and the sandbox state
was saved, before the ledger's ``done`` line is written: the worst moment for a crash.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import toy_platform

from unified_orders.cli import bulk, main


def _install_kill_point(event: str) -> None:
    original = bulk.Ledger.record

    def record(self: bulk.Ledger, key: str, what: str, **data: Any) -> None:
        if what == event:
            os.kill(os.getpid(), signal.SIGKILL)
        original(self, key, what, **data)

    bulk.Ledger.record = record  # type: ignore[method-assign]


if __name__ == "__main__":
    toy_platform.register()
    if os.environ.get("UO_TEST_KILL_AT"):
        _install_kill_point(os.environ["UO_TEST_KILL_AT"])
    main()

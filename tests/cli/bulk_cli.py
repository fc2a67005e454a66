"""The CLI (toy platform registered) for bulk tests that run it as a real process.

``UO_TEST_SEND_SECONDS=0.5``: every bulk refund takes that long to send (the pause comes after
the ledger's ``sending`` line), so a test can press Ctrl-C while one is on its way.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import toy_platform

from unified_orders.cli import bulk, main


def _slow_sends(seconds: float) -> None:
    original = bulk.Ledger.record

    def record(self: bulk.Ledger, key: str, what: str, **data: Any) -> None:
        original(self, key, what, **data)
        if what == "sending":
            time.sleep(seconds)

    bulk.Ledger.record = record  # type: ignore[method-assign]


if __name__ == "__main__":
    toy_platform.register()
    if os.environ.get("UO_TEST_SEND_SECONDS"):
        _slow_sends(float(os.environ["UO_TEST_SEND_SECONDS"]))
    main()

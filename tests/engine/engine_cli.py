"""The CLI with the sync tests' toy platforms registered (``synctoy``: paged, slow on demand),
so workers and commands started as processes can sync toy stores as well as the sandboxes.

With ``UO_TEST_DIE_AFTER_REFUND=1`` a worker kills itself (SIGKILL) right after its first refund
is made on the platform, before the outcome reaches the workflow (and the ledger). With
``UO_TEST_FIRST_REFUND_FAILS=1`` its first refund fails before anything is sent, as when the
platform refuses it; with ``UO_TEST_FIRST_REFUND_PENDING=1`` its first refund is reported
pending, as when the platform's gateway has not settled it (nothing is sent either).

Usage: python engine_cli.py ARGS... (the arguments of ``unified-orders``)
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

import sync_toy

from unified_orders.cli import main


def die_after_the_first_refund() -> None:
    from unified_orders.cli import bulk_engine

    make = bulk_engine.refund_on_worker

    def made_then_died(*args: Any) -> Any:
        outcome = make(*args)
        if outcome.outcome == "refunded":
            os.kill(os.getpid(), signal.SIGKILL)
        return outcome

    bulk_engine.refund_on_worker = made_then_died


def first_refund_is(outcome: str) -> None:
    from unified_orders.cli import bulk_engine
    from unified_orders.engine import RefundOutcome

    make = bulk_engine.refund_on_worker
    calls = []

    def once(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            args[0].close()
            return RefundOutcome(outcome, message=f"{outcome} on the platform (test)")
        return make(*args)

    bulk_engine.refund_on_worker = once


if __name__ == "__main__":
    sync_toy.register()
    if os.environ.get("UO_TEST_DIE_AFTER_REFUND"):
        die_after_the_first_refund()
    if os.environ.get("UO_TEST_FIRST_REFUND_FAILS"):
        first_refund_is("failed")
    if os.environ.get("UO_TEST_FIRST_REFUND_PENDING"):
        first_refund_is("pending")
    sys.argv[0] = "unified-orders"
    main()

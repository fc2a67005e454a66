"""The CLI, killed with SIGKILL at the worst moment of a migration: right after the target
accepted the ``UO_TEST_KILL_AT``-th order create and the sandbox state was saved, before the id
map row is written."""

from __future__ import annotations

import os
import signal
from typing import Any

from unified_orders.cli import main
from unified_orders.migrate import job


def _install_kill_point(nth: int) -> None:
    original = job.Migration._finish
    calls = 0

    def finish(self: job.Migration, *args: Any, **kwargs: Any) -> job.OrderResult:
        nonlocal calls
        calls += 1
        if calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args, **kwargs)

    job.Migration._finish = finish  # type: ignore[method-assign]


if __name__ == "__main__":
    _install_kill_point(int(os.environ["UO_TEST_KILL_AT"]))
    main()

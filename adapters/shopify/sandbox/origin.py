"""Where the sandbox's sequences start: the first id and the epoch of its logical clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from unified_orders.sandbox import WriteClock

__all__ = ["EPOCH", "FIRST_ID", "logical_clock"]

#: Sandbox ids start above 2**53 so a float anywhere on the path would corrupt them.
FIRST_ID = 820_982_911_946_154_508
#: The sandbox clock's start: each write moves it one minute on; demo orders date back from it.
EPOCH = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def logical_clock() -> WriteClock:
    """The sandbox's deterministic clock: write n is stamped ``EPOCH`` + n minutes."""
    return WriteClock(EPOCH, timedelta(minutes=1))

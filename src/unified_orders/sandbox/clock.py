"""When a sandbox's writes happen: its deterministic logical clock, or the wall clock.

An emulator dates what a write creates or changes (``created_at``, ``updatedAt``, ...) with
:meth:`WriteClock.at`, given the number of the write (the ``tick`` counter its state keeps, so it
survives dump and load). By default that is a logical clock: write n happens at ``start + n *
step``, the same on every run, which tests rely on. With a wall clock set (:func:`utc_now`, or
any callable giving an aware datetime), writes are dated by it instead: the CLI's sandbox stores
run this way, so ``report --since today`` finds what was just done there. The wall clock is not
state: it is chosen by whoever builds the emulator, and demo data seeded before it was set keeps
its dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["WallClock", "WriteClock", "utc_now"]

#: The current time as an aware datetime.
WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real current time, in UTC."""
    return datetime.now(UTC)


@dataclass
class WriteClock:
    """Dates writes: ``start + tick * step`` (logical), or ``wall()`` once a wall clock is set."""

    start: datetime = datetime(2024, 1, 1, tzinfo=UTC)
    step: timedelta = timedelta(minutes=1)
    wall: WallClock | None = None

    def at(self, tick: int) -> datetime:
        """When write number ``tick`` happens, as an aware UTC datetime."""
        if self.wall is None:
            return self.start + self.step * tick
        moment = self.wall()
        if moment.tzinfo is None:
            raise ValueError("a sandbox wall clock must give timezone-aware datetimes")
        return moment.astimezone(UTC)

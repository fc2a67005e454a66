"""Client-side pacing: token buckets that adapters configure and keep in step with the platform.

A bucket holds up to ``capacity`` units and refills at ``refill_per_second``. One request costs a
weight (1 for request-rate limits, the query cost for Shopify GraphQL). ``reserve`` debits the
bucket at once and says how long the caller must wait before sending, so concurrent callers queue
in order instead of racing. ``sync`` lets an adapter correct the level from what the platform
reports (``X-Shopify-Shop-Api-Call-Limit: 32/40``, GraphQL ``throttleStatus``).

Why not pyrate-limiter: its buckets count requests against fixed rates, with no way to set the
level from a server's report or to charge a cost only known after a response, which both of
Shopify's limits need. This module is small and has one job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

__all__ = ["TokenBucket", "reserve_all"]


class TokenBucket:
    """A thread-safe token bucket (equivalently, a leaky bucket seen from the other side)."""

    def __init__(
        self,
        capacity: float,
        refill_per_second: float,
        *,
        name: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("a bucket needs a positive capacity and refill rate")
        self.name = name
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self._clock = clock
        self._level = float(capacity)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._stamp, 0.0)
        self._level = min(self.capacity, self._level + elapsed * self.refill_per_second)
        self._stamp = now

    def reserve(self, cost: float = 1.0) -> float:
        """Take ``cost`` units now; return the seconds to wait before they are really available."""
        cost = min(float(cost), self.capacity)
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._level -= cost
            if self._level >= 0:
                return 0.0
            return -self._level / self.refill_per_second

    def refund(self, cost: float) -> None:
        """Give back units charged for a request that turned out cheaper (or was not sent)."""
        with self._lock:
            self._refill(self._clock())
            self._level = min(self.capacity, self._level + float(cost))

    def sync(
        self,
        *,
        available: float,
        capacity: float | None = None,
        refill_per_second: float | None = None,
    ) -> None:
        """Adopt the platform's own view: ``available`` units left, and its capacity/refill rate.

        The level only ever moves down here: a report that lags behind our own reservations
        must not hand back units that queued requests have already taken.
        """
        with self._lock:
            if capacity is not None and capacity > 0:
                self.capacity = float(capacity)
            if refill_per_second is not None and refill_per_second > 0:
                self.refill_per_second = float(refill_per_second)
            self._refill(self._clock())
            self._level = min(self._level, float(available), self.capacity)

    @property
    def level(self) -> float:
        """Units available now (negative while callers are queued)."""
        with self._lock:
            self._refill(self._clock())
            return self._level


def reserve_all(buckets: Iterable[TokenBucket], cost: float) -> float:
    """Reserve ``cost`` in every bucket; the wait is the longest any of them asks for."""
    return max((bucket.reserve(cost) for bucket in buckets), default=0.0)

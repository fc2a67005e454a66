"""Pacing models of the platforms' rate limits, on an injectable monotonic clock.

- :class:`SlidingWindow`: at most ``limit`` requests in any ``window`` seconds per key (Next
  Commerce: 4 requests/s per access token).
- :class:`LeakyBucket`: a bucket of ``size`` requests leaking ``leak_rate`` per second (Shopify
  REST, reported in ``X-Shopify-Shop-Api-Call-Limit``).
- :class:`CostBucket`: a bucket of cost points restored at ``restore_rate`` per second, charged
  up front with the requested cost (Shopify GraphQL ``extensions.cost``).

Each ``take``/``charge`` returns ``None`` when the request may pass, else the seconds to wait.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["CostBucket", "LeakyBucket", "SlidingWindow"]

Clock = Callable[[], float]


class SlidingWindow:
    """At most ``limit`` requests per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def take(self, key: str) -> float | None:
        """Count a request for ``key``; seconds to wait (and nothing counted) when over the limit."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(self.window - (now - hits[0]), 0.0)
        hits.append(now)
        return None


class LeakyBucket:
    """A bucket of ``size`` requests that leaks ``leak_rate`` requests per second.

    ``enforce=False`` still measures the level (the header is sent) but never refuses.
    """

    def __init__(
        self, size: int, leak_rate: float, clock: Clock = time.monotonic, *, enforce: bool = True
    ) -> None:
        self.size = size
        self.leak_rate = leak_rate
        self.clock = clock
        self.enforce = enforce
        self.level = 0.0
        self.peak = 0.0
        self.throttled = 0
        self._stamp = clock()

    def take(self) -> float | None:
        """Leak, then add this request; seconds to wait when the bucket is full and enforced."""
        now = self.clock()
        self.level = max(self.level - (now - self._stamp) * self.leak_rate, 0.0)
        self._stamp = now
        if self.enforce and self.level + 1 > self.size:
            self.throttled += 1
            return (self.level + 1 - self.size) / self.leak_rate
        self.level = min(self.level + 1, float(self.size))
        self.peak = max(self.peak, self.level)
        return None


class CostBucket:
    """Cost points: ``size`` at most, restored at ``restore_rate`` per second."""

    def __init__(
        self, size: int, restore_rate: float, clock: Clock = time.monotonic, *, enforce: bool = True
    ) -> None:
        self.size = size
        self.restore_rate = restore_rate
        self.clock = clock
        self.enforce = enforce
        self.available = float(size)
        self._stamp = clock()

    def restore(self) -> float:
        """Restore points for the time passed; the points now available."""
        now = self.clock()
        self.available = min(
            float(self.size), self.available + (now - self._stamp) * self.restore_rate
        )
        self._stamp = now
        return self.available

    def charge(self, requested: int) -> float | None:
        """Refuse (seconds to wait) a request costing more than is available, when enforced."""
        available = self.restore()
        if self.enforce and requested > available:
            return (requested - available) / self.restore_rate
        return None

    def spend(self, actual: int) -> None:
        """Take what a request really cost."""
        self.available = max(self.available - actual, 0.0)

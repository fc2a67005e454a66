"""The settings every adapter accepts (:class:`AdapterSettings`); adapters subclass it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AdapterSettings"]


class AdapterSettings(BaseModel):
    """Settings every adapter accepts; adapters subclass this with their own fields.

    ``rate_limit`` paces requests by the platform's limit; left unset it is on for real stores and
    off for sandbox stores. ``max_attempts`` and ``max_retry_seconds`` bound retries (a
    ``Retry-After`` beyond the budget is not waited out); ``retry_backoff`` is the first back-off
    in seconds (it doubles, with jitter, up to 10 s). ``settle_seconds`` are the pauses between
    re-reads after a write's response was lost, before the write is judged not applied.
    ``in_flight_seconds`` is how old an unfinished refund found by its key must be before it is
    judged nobody's write in progress (:attr:`Adapter.in_flight_seconds`): widen it for a payment
    provider slower than two minutes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sandbox: bool = False
    timeout: float = 30.0
    max_attempts: int = 5
    max_retry_seconds: float = 120.0
    retry_backoff: float = 0.5
    rate_limit: bool | None = None
    settle_seconds: tuple[float, ...] | None = None
    in_flight_seconds: float | None = Field(default=None, ge=0)

    @property
    def settle(self) -> tuple[float, ...]:
        """Pauses between re-reads of a lost write (sandboxes apply at once: no waiting)."""
        if self.settle_seconds is not None:
            return self.settle_seconds
        return (0.0, 0.0, 0.0) if self.sandbox else (0.5, 1.0, 2.0)

    @property
    def pacing(self) -> bool:
        """Whether to pace requests by the platform's rate limit."""
        return self.rate_limit if self.rate_limit is not None else not self.sandbox

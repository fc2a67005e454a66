"""The error hierarchy.

::

    UnifiedOrdersError
     +-- ConfigurationError        bad settings, unknown platform, plugin conflicts
     +-- UnsupportedOperation      the platform (or this store) cannot do it; raised before any request
     +-- InvalidRequest            bad input, every problem listed; raised before any request
     +-- PlatformError             the platform answered with an error
     |    +-- AuthenticationError  401/403
     |    +-- NotFound             404
     |    +-- IllegalTransition    a state machine refused the move
     |    +-- RateLimited          still throttled after the retry budget
     +-- AmbiguousWrite            a write whose outcome could not be established, even after re-reading
     +-- RefundFailed              the platform recorded the refund as failed (no money moved) or pending
     +-- WebhookSignatureError     a webhook delivery's signature is missing or does not match
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AmbiguousWrite",
    "AuthenticationError",
    "ConfigurationError",
    "Hint",
    "IllegalTransition",
    "InvalidRequest",
    "NotFound",
    "PlatformError",
    "Problem",
    "RateLimited",
    "RefundFailed",
    "ResponseLost",
    "UnifiedOrdersError",
    "UnsupportedOperation",
    "WebhookSignatureError",
]


class UnifiedOrdersError(Exception):
    """Base of every error this library raises on purpose."""


class ConfigurationError(UnifiedOrdersError):
    """Settings, platform names or plugins are wrong; the message says which and what was expected."""


class Hint(str):
    """What to do instead, for library callers (the text itself) and for CLI users (``cli``).

    A hint is a ``str`` holding the library wording (``store.refunds.create(...)``), so it goes
    wherever a hint string goes; ``cli`` says the same in commands (``unified-orders refunds
    create STORE ORDER ...``). The CLI shows ``cli``; a plain ``str`` hint is shown as it is.
    """

    cli: str

    def __new__(cls, text: str, *, cli: str = "") -> Hint:
        hint = super().__new__(cls, text)
        hint.cli = cli or text
        return hint


class UnsupportedOperation(UnifiedOrdersError):
    """The platform or store cannot perform ``operation``; ``hint`` says what to do instead
    (a :class:`Hint` when it has a CLI wording of its own)."""

    def __init__(self, platform: str, operation: str, hint: str = "") -> None:
        self.platform = platform
        self.operation = operation
        self.hint = hint
        super().__init__(f"{self.summary}: {hint}" if hint else self.summary)

    @property
    def summary(self) -> str:
        """The message without the hint: ``<platform> does not support <operation>``."""
        return f"{self.platform} does not support {self.operation}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where (a dotted path such as ``lines[0].quantity``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidRequest(UnifiedOrdersError):
    """The request is wrong; ``problems`` lists every issue found, all at once."""

    def __init__(self, problems: Sequence[Problem], *, operation: str = "") -> None:
        self.problems = list(problems)
        self.operation = operation
        head = f"invalid {operation} request" if operation else "invalid request"
        detail = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{head}: {detail}")


class PlatformError(UnifiedOrdersError):
    """The platform answered with an error. ``problems`` keeps field-level messages it gave."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        platform: str | None = None,
        problems: Sequence[Problem] = (),
        details: Any = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.platform = platform
        self.problems = list(problems)
        self.details = details
        parts = [f"{platform}: " if platform else "", message]
        facts = [f"status {status}" if status is not None else "", f"code {code}" if code else ""]
        if any(facts):
            parts.append(f" ({', '.join(fact for fact in facts if fact)})")
        if self.problems:
            parts.append(" - " + "; ".join(str(p) for p in self.problems))
        super().__init__("".join(parts))


class AuthenticationError(PlatformError):
    """The platform refused the credentials (401) or their scope (403)."""


class NotFound(PlatformError):
    """The platform has no such object (404)."""


class IllegalTransition(PlatformError):
    """A state machine refused a transition; ``state`` is where it is and ``possible`` what it allows."""

    def __init__(
        self, message: str, *, state: str | None = None, possible: Sequence[str] = (), **kw: Any
    ) -> None:
        self.state = state
        self.possible = list(possible)
        super().__init__(message, **kw)


class RateLimited(PlatformError):
    """Still throttled after the retry budget ran out."""


class AmbiguousWrite(UnifiedOrdersError):
    """A write was sent, its response was lost, and re-reading the platform could not tell whether
    it took effect. Check the platform before retrying; reuse ``idempotency_key`` when you do.

    ``candidates`` lists the ids of objects the re-read found that look like the write but cannot
    be proven ours (they do not carry our key); they are never adopted."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        idempotency_key: str | None = None,
        candidates: Sequence[str] = (),
    ) -> None:
        self.operation = operation
        self.idempotency_key = idempotency_key
        self.candidates = list(candidates)
        super().__init__(message)


class RefundFailed(UnifiedOrdersError):
    """The platform recorded the refund, but as failed (a declined gateway: no money moved) or
    still pending (money may yet move: retry with the same key, never under a new one, to read
    or finish it). ``refund`` is the canonical refund as the platform recorded it."""

    def __init__(self, message: str, *, refund: Any) -> None:
        self.refund = refund
        super().__init__(message)


class ResponseLost(AmbiguousWrite):
    """A write was sent and its response lost (timeout, reset, 5xx after sending).

    Raised by the HTTP layer; the exactly-once logic catches it, re-reads the platform and decides.
    If nothing catches it, the caller sees it as the :class:`AmbiguousWrite` it is.
    """

    def __init__(self, message: str, *, request: object = None, response: object = None) -> None:
        self.request = request
        self.response = response
        super().__init__(message)


class WebhookSignatureError(UnifiedOrdersError):
    """A webhook delivery is not signed by the platform: its signature ``header`` is missing or
    does not match the body under the secret. Never carries the secret, signature or body."""

    def __init__(self, platform: str, header: str, *, missing: bool = False) -> None:
        self.platform = platform
        self.header = header
        self.missing = missing
        problem = "has no" if missing else "has a wrong"
        super().__init__(f"{platform}: webhook delivery {problem} {header} signature")

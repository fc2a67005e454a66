"""GraphQL ``userErrors`` and top-level ``errors`` as typed errors, field paths kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.errors import (
    AuthenticationError,
    IllegalTransition,
    NotFound,
    PlatformError,
    Problem,
    RateLimited,
)

from ...vocabulary import PLATFORM

__all__ = ["denied_returns", "graphql_errors_error", "user_errors_error"]


def denied_returns(error: AuthenticationError) -> bool:
    """Whether Shopify denied the ``returns`` field alone (an app without the ``read_returns``
    scope; INFERRED: the denial names the field's path), not the whole request."""
    return any("returns" in problem.path.split(".") for problem in error.problems)


def _path(field: Any) -> str:
    """``["input", "refundLineItems", "0", "quantity"]`` -> ``input.refundLineItems[0].quantity``."""
    if not field:
        return ""
    out = ""
    for part in field:
        text = str(part)
        if text.isdigit():
            out += f"[{text}]"
        else:
            out += f".{text}" if out else text
    return out


def user_errors_error(
    errors: Sequence[Mapping[str, Any]],
    operation: str,
    *,
    state: str | None = None,
    status: int | None = None,
) -> PlatformError:
    """A typed error from ``userErrors`` / ``orderCancelUserErrors`` (field paths kept).

    They are Shopify's refusal of a mutation (nothing was applied), answered in an HTTP 200:
    ``status`` is the answer's HTTP status. ``INVALID_STATE`` (returns) and messages about a
    fulfillment order's state become IllegalTransition; ``NOT_FOUND`` codes NotFound; the rest
    PlatformError (code ``user_errors``, or the first error's code).
    """
    problems = [Problem(_path(e.get("field")), str(e.get("message") or "")) for e in errors]
    codes = [str(e["code"]) for e in errors if e.get("code")]
    message = f"{operation}: " + "; ".join(str(p) for p in problems)
    code = codes[0] if codes else "user_errors"
    lowered = message.lower()
    if "INVALID_STATE" in codes or (
        "fulfillment order" in lowered and ("status" in lowered or "cannot" in lowered)
    ):
        return IllegalTransition(
            message,
            state=state,
            status=status,
            platform=PLATFORM,
            problems=problems,
            code=code,
            details=list(errors),
        )
    if any(c.endswith("NOT_FOUND") for c in codes):
        return NotFound(
            message,
            status=status,
            platform=PLATFORM,
            problems=problems,
            code=code,
            details=list(errors),
        )
    return PlatformError(
        message,
        status=status,
        platform=PLATFORM,
        problems=problems,
        code=code,
        details=list(errors),
    )


def graphql_errors_error(body: Mapping[str, Any], status: int | None = None) -> PlatformError:
    """A typed error from top-level GraphQL ``errors``: ``ACCESS_DENIED`` -> AuthenticationError,
    ``THROTTLED`` -> RateLimited, ``NOT_FOUND`` -> NotFound, others PlatformError (with the code
    and each error's ``path`` as the problem path)."""
    errors = body.get("errors")
    if isinstance(errors, str):
        errors = [{"message": errors}]
    rows = [e for e in errors or [] if isinstance(e, Mapping)]
    problems = [Problem(_path(e.get("path")), str(e.get("message") or "")) for e in rows]
    codes = [str((e.get("extensions") or {}).get("code") or "") for e in rows]
    code = next((c for c in codes if c), None)
    message = "; ".join(p.message for p in problems) or "GraphQL error"
    cls: type[PlatformError] = PlatformError
    if code == "ACCESS_DENIED" or status in (401, 403):
        cls = AuthenticationError
    elif code == "THROTTLED" or status == 429:
        cls = RateLimited
    elif code == "NOT_FOUND" or status == 404:
        cls = NotFound
    return cls(
        message, status=status, platform=PLATFORM, code=code, problems=problems, details=body
    )

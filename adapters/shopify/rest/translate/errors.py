"""REST error bodies as typed errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Response, error_for_status
from unified_orders.errors import IllegalTransition, PlatformError, Problem

from ...vocabulary import PLATFORM

__all__ = ["error_from_rest"]


def _problems(errors: Any) -> tuple[str, list[Problem]]:
    if isinstance(errors, str):
        return errors, []
    if isinstance(errors, list):
        texts = [str(e) for e in errors]
        return "; ".join(texts) or "error", [Problem("", t) for t in texts]
    if isinstance(errors, Mapping):
        problems: list[Problem] = []
        for field, messages in errors.items():
            if isinstance(messages, list):
                problems.extend(Problem(str(field), str(m)) for m in messages)
            else:
                problems.append(Problem(str(field), str(messages)))
        return "; ".join(str(p) for p in problems) or "error", problems
    return str(errors), []


def error_from_rest(response: Response) -> PlatformError:
    """A typed error from a REST error response.

    Bodies are ``{"errors": <string | list | {field: [messages]}>}`` or, on some endpoints,
    ``{"error": "..."}``. 401/403 -> AuthenticationError, 404 -> NotFound, 429 -> RateLimited;
    a 422 about a fulfillment order's state -> IllegalTransition; anything else PlatformError
    with the status and the platform's field messages as ``problems``.
    """
    body = response.body
    errors: Any = None
    if isinstance(body, Mapping):
        errors = body.get("errors", body.get("error"))
    if errors is None:
        errors = (response.text or "").strip() or f"HTTP {response.status}"
    message, problems = _problems(errors)
    codes = {402: "payment_required", 406: "not_acceptable", 422: "unprocessable", 423: "locked"}
    if response.status == 422 and "fulfillment order" in message.lower():
        return IllegalTransition(
            message,
            status=422,
            platform=PLATFORM,
            problems=problems,
            details=body,
            code="unprocessable",
        )
    return error_for_status(
        PLATFORM,
        response,
        message,
        problems=problems,
        code=codes.get(response.status),
        details=body,
    )

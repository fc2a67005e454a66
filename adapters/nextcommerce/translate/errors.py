"""Typed errors: DRF-style error bodies (every field message kept as a Problem), and 2xx answers
the translators cannot read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from unified_orders.adapter import Response, error_for_status
from unified_orders.errors import IllegalTransition, PlatformError, Problem, ResponseLost

from ..rules import API_ROOT
from .values import PLATFORM

__all__ = ["UNREADABLE", "error_from_response", "problems_from_body", "readable"]

T = TypeVar("T")

#: What a translator raises on data it cannot make sense of (a missing key, a wrong type, an
#: amount that is no number).
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, ArithmeticError)


def problems_from_body(body: Any, path: str = "") -> list[Problem]:
    """Flatten a DRF error body into Problems with dotted paths.

    ``{"refund_lines": [{}, {"quantity": ["too many"]}]}`` -> ``refund_lines[1].quantity: too many``;
    ``non_field_errors`` and ``detail`` have the empty path.
    """
    problems: list[Problem] = []
    if isinstance(body, Mapping):
        for key, value in body.items():
            if key in ("non_field_errors", "detail"):
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            problems.extend(problems_from_body(value, child))
    elif isinstance(body, list):
        if all(not isinstance(item, Mapping | list) for item in body):
            problems.extend(Problem(path, str(item)) for item in body)
        else:
            for index, item in enumerate(body):
                if isinstance(item, Mapping | list):
                    problems.extend(problems_from_body(item, f"{path}[{index}]"))
                else:
                    problems.append(Problem(path, str(item)))
    elif body is not None and body != "":
        problems.append(Problem(path, str(body)))
    return problems


#: The noun for each collection below the API root, for a 404 that names the object it missed.
_NOUNS = {"orders": "order", "fulfillment-orders": "fulfillment order"}
#: The detail DRF gives every 404; it says nothing the status does not.
_BARE_NOT_FOUND = {"not found.", "not found"}


def missing_object(url: str) -> str | None:
    """``order 123`` for a request to ``.../api/admin/orders/123/...``: what a 404 there misses.

    INFERRED: DRF answers 404 when the object the path names does not exist (a sub-resource such
    as ``orders/123/refund/`` included); ids in a request body are checked as fields (400).
    """
    _, root, rest = urlsplit(url).path.partition(API_ROOT)
    parts = [part for part in rest.split("/") if part]
    if not root or len(parts) < 2:
        return None
    noun = _NOUNS.get(parts[0], parts[0].removesuffix("s").replace("-", " "))
    return f"{noun} {unquote(parts[1])}"


def error_from_response(response: Response) -> PlatformError:
    """A typed error from a DRF-style error body (``{"field": ["msg"]}``, ``{"detail": ...}``, lists)."""
    body = response.body
    detail = None
    code = None
    if isinstance(body, Mapping):
        detail = body.get("detail")
        code = body.get("code") if isinstance(body.get("code"), str) else None
        fields = {k: v for k, v in body.items() if k not in ("detail", "code")}
        problems = problems_from_body(fields)
    else:
        problems = problems_from_body(body)
    if detail is not None:
        message = str(detail)
    elif problems:
        message = "the request was refused"
    else:
        message = (response.text or f"HTTP {response.status}").strip()[:500]
    missing = missing_object(response.url) if response.status == 404 else None
    if missing is not None:
        bare = message.strip().lower() in _BARE_NOT_FOUND or not message.strip()
        message = f"{missing} not found" if bare else f"{missing} not found: {message}"
    if response.status == 409:
        return IllegalTransition(
            message,
            status=response.status,
            code=code,
            platform=PLATFORM,
            problems=problems,
            details=body,
        )
    return error_for_status(PLATFORM, response, message, code=code, problems=problems, details=body)


def readable(response: Response, translate: Callable[[Any], T], what: str, *, write: bool) -> T:
    """``translate(response.body)``; a 2xx answer the translator cannot make sense of is a typed error.

    For a read it is a :class:`PlatformError` naming ``what``; for a write it is a lost response
    (:class:`ResponseLost`): the platform answered, so it may well have applied the write, and the
    exactly-once logic re-reads to find out instead of reporting a failure.
    """
    try:
        return translate(response.body)
    except UNREADABLE as error:
        message = f"{what}: the platform's answer cannot be read ({type(error).__name__}: {error})"
        if write:
            raise ResponseLost(
                f"{message}; the write may have taken effect", response=response
            ) from error
        raise PlatformError(
            message, status=response.status, platform=PLATFORM, code="unreadable_response"
        ) from error

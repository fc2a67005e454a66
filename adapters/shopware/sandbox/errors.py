"""Shopware's error answers: JSON:API ``errors`` arrays, built by :func:`error_entry`.

A handler raises :func:`refusal` (one error) or :func:`violations` (several write violations,
each with a ``source.pointer``); the emulator shell turns the
:class:`~unified_orders.sandbox.EmulatorError` into the answer.
"""

from __future__ import annotations

from typing import Any

from unified_orders.sandbox import EmulatorError

__all__ = ["error_entry", "no_route", "refusal", "violation", "violations"]

_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 406: "Not Acceptable"}


def error_entry(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """One JSON:API error object (``extra`` adds ``source``/``meta`` or replaces ``title``)."""
    return {
        "status": str(status),
        "code": code,
        "title": _TITLES.get(status, "Error"),
        "detail": detail,
        **extra,
    }


def refusal(status: int, code: str, detail: str, **extra: Any) -> EmulatorError:
    """An answer with one error."""
    return EmulatorError(status, {"errors": [error_entry(status, code, detail, **extra)]})


def violation(code: str, detail: str, pointer: str) -> dict[str, Any]:
    """One 400 write violation at a JSON pointer of the request body."""
    return error_entry(400, code, detail, source={"pointer": pointer})


def violations(errors: list[dict[str, Any]]) -> EmulatorError:
    """A 400 answer listing every violation of a write."""
    return EmulatorError(400, {"errors": errors})


def no_route(method: str, path: str) -> EmulatorError:
    """Symfony's 404 for a path no route serves."""
    return refusal(404, "0", f'No route found for "{method} {path}"')

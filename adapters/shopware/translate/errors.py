"""Errors: a Shopware JSON:API error array as a typed :class:`~unified_orders.errors.PlatformError`."""

from __future__ import annotations

from collections.abc import Mapping

from unified_orders.adapter import Response, error_for_status
from unified_orders.errors import IllegalTransition, PlatformError, Problem

from ..platform import PLATFORM

__all__ = ["error_from_response", "with_state_name"]


def _pointer_path(pointer: str) -> str:
    parts = [p for p in pointer.split("/") if p]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path


def error_from_response(
    response: Response, state_names: Mapping[str, str] | None = None
) -> PlatformError:
    """A typed error from a JSON:API error array (``status``, ``code``, ``detail``, ``source``).

    ``SYSTEM__ILLEGAL_STATE_TRANSITION`` becomes :class:`IllegalTransition`, naming the state by
    its technical name where ``state_names`` knows it (Shopware reports the state's id; else see
    :func:`with_state_name`) and listing the actions the state allows, read from
    ``meta.parameters.possibleTransitions``.
    """
    body = response.body if isinstance(response.body, Mapping) else {}
    errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
    if not errors:
        text = response.text.strip() or f"HTTP {response.status}"
        return error_for_status(PLATFORM, response, text[:500])
    problems: list[Problem] = []
    messages: list[str] = []
    for error in errors:
        detail = str(error.get("detail") or error.get("title") or error.get("description") or "")
        pointer = (error.get("source") or {}).get("pointer")
        if pointer:
            problems.append(Problem(_pointer_path(str(pointer)), detail))
        elif detail and detail not in messages:
            messages.append(detail)
    first = errors[0]
    code = str(first.get("code")) if first.get("code") is not None else None
    message = "; ".join(messages) or "the request was refused"
    if code == "SYSTEM__ILLEGAL_STATE_TRANSITION":
        parameters = (first.get("meta") or {}).get("parameters") or {}
        state_id = str(parameters.get("currentState") or "")
        state = (state_names or {}).get(state_id, state_id) or None
        possible = [str(p) for p in parameters.get("possibleTransitions") or []]
        return IllegalTransition(
            _refused_transition(parameters.get("transition"), state, possible),
            state=state,
            possible=possible,
            status=response.status,
            code=code,
            platform=PLATFORM,
            problems=problems,
            details=errors,
        )
    return error_for_status(
        PLATFORM, response, message, code=code, problems=problems, details=errors
    )


def with_state_name(error: IllegalTransition, state_names: Mapping[str, str]) -> IllegalTransition:
    """``error`` naming its state by technical name, where it gave only the id ``state_names``
    knows; else ``error`` itself."""
    name = state_names.get(error.state or "")
    if name is None:
        return error
    first = error.details[0] if isinstance(error.details, list) and error.details else {}
    meta = first.get("meta") if isinstance(first, Mapping) else None
    parameters = (meta or {}).get("parameters") or {}
    return IllegalTransition(
        _refused_transition(parameters.get("transition"), name, error.possible),
        state=name,
        possible=error.possible,
        status=error.status,
        code=error.code,
        platform=error.platform,
        problems=error.problems,
        details=error.details,
    )


def _refused_transition(transition: object, state: str | None, possible: list[str]) -> str:
    return (
        f"transition {transition!r} is not possible from state {state!r}; "
        f"possible actions: {', '.join(possible) or 'none'}"
    )

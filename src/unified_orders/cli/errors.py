"""Exit codes, and an error as one line (people) or one JSON object (``--json``).

========  ====================  ===================================================================
code      name                  meaning
========  ====================  ===================================================================
0         ok                    success
1         internal_error        unexpected internal error (a bug: run again with ``--debug``)
2         usage_error           unknown command or option, bad option value (Click's own code)
3         configuration_error   config file, store name, settings, missing environment variable
4         invalid_request       the request is wrong (unknown line, quantity too high, ...)
5         unsupported           the platform or store cannot do this; a hint says what to do
6         platform_error        the platform answered with an error (not found, auth, ...)
7         ambiguous_write       a write was sent and its outcome is unknown; check before retrying
8         not_confirmed         a money-moving command got no ``--yes`` and no confirmation
9         bulk_incomplete       a bulk run finished with some rows failed, invalid or ambiguous
10        refund_failed         the platform recorded the refund as failed or pending
11        busy                  another process holds the lock (order, sandbox store, ledger, DB)
130       interrupted           interrupted (Ctrl-C)
========  ====================  ===================================================================

Messages speak CLI: a hint with a CLI wording (:class:`~unified_orders.errors.Hint`) is shown in
it, with the command's own arguments filled in for its placeholders (``STORE``, ``ORDER``: the
argument names in capitals, as ``--help`` shows them), and library keywords the core writes
(``idempotency_key='k'``) become the options that set them (``--idempotency-key k``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any

from ..errors import (
    AmbiguousWrite,
    ConfigurationError,
    Hint,
    InvalidRequest,
    PlatformError,
    Problem,
    RefundFailed,
    UnifiedOrdersError,
    UnsupportedOperation,
    WebhookSignatureError,
)

__all__ = [
    "CliError",
    "ExitCode",
    "cli_terms",
    "describe",
    "error_object",
    "exit_code_for",
    "usage_error_object",
]


class ExitCode(IntEnum):
    """The documented exit codes (see the module docstring and docs/cli.md)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    CONFIGURATION = 3
    VALIDATION = 4
    UNSUPPORTED = 5
    PLATFORM = 6
    AMBIGUOUS_WRITE = 7
    NOT_CONFIRMED = 8
    BULK_INCOMPLETE = 9
    REFUND_FAILED = 10
    BUSY = 11
    INTERRUPTED = 130

    @property
    def error_name(self) -> str:
        """The code's name in JSON error objects (``invalid_request``): stable, documented."""
        return _NAMES[self]


_NAMES = {
    ExitCode.OK: "ok",
    ExitCode.INTERNAL: "internal_error",
    ExitCode.USAGE: "usage_error",
    ExitCode.CONFIGURATION: "configuration_error",
    ExitCode.VALIDATION: "invalid_request",
    ExitCode.UNSUPPORTED: "unsupported",
    ExitCode.PLATFORM: "platform_error",
    ExitCode.AMBIGUOUS_WRITE: "ambiguous_write",
    ExitCode.NOT_CONFIRMED: "not_confirmed",
    ExitCode.BULK_INCOMPLETE: "bulk_incomplete",
    ExitCode.REFUND_FAILED: "refund_failed",
    ExitCode.BUSY: "busy",
    ExitCode.INTERRUPTED: "interrupted",
}

#: The word each line starts with (``invalid request: ...``); an internal error is plain ``error``.
_LABEL = {code: name.replace("_", " ") for code, name in _NAMES.items()} | {
    ExitCode.INTERNAL: "error"
}

#: What to do about an unexpected error (exit 1), in both forms.
DEBUG_HINT = "run again with --debug for the traceback"


class CliError(Exception):
    """An error the CLI itself raises: a message, the exit code to leave with, and the problems
    (a ``path`` such as ``--fields`` and what is wrong there) for the JSON error object."""

    def __init__(self, message: str, code: ExitCode, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.problems = list(problems)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an error raised while running a command."""
    from ..locks import LockTimeout  # only when something failed: the lock module is not light

    if isinstance(error, CliError):
        return error.code
    if isinstance(error, AmbiguousWrite):
        return ExitCode.AMBIGUOUS_WRITE
    if isinstance(error, RefundFailed):
        return ExitCode.REFUND_FAILED
    if isinstance(error, LockTimeout):
        return ExitCode.BUSY
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, ConfigurationError):
        return ExitCode.CONFIGURATION
    if isinstance(error, InvalidRequest | WebhookSignatureError):
        return ExitCode.VALIDATION
    if isinstance(error, UnsupportedOperation):
        return ExitCode.UNSUPPORTED
    if isinstance(error, PlatformError):
        return ExitCode.PLATFORM
    return ExitCode.INTERNAL


_KEYWORD = re.compile(r"idempotency_key=(?P<quote>['\"])(?P<key>.*?)(?P=quote)")
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]*[A-Z]\b")


def cli_terms(text: str, arguments: Mapping[str, str] | None = None) -> str:
    """Library wording as CLI wording: a :class:`Hint`'s ``cli`` form with the placeholders the
    command's ``arguments`` fill (``{"store": "acme"}`` fills ``STORE``), keywords as options."""
    if isinstance(text, Hint):
        filled = {name.upper(): shlex.quote(value) for name, value in (arguments or {}).items()}
        text = _PLACEHOLDER.sub(lambda m: filled.get(m[0], m[0]), text.cli)
    return _KEYWORD.sub(lambda m: f"--idempotency-key {shlex.quote(m['key'])}", str(text))


def _message(error: BaseException, arguments: Mapping[str, str] | None = None) -> str:
    """What went wrong, without the label, in CLI terms."""
    if isinstance(error, InvalidRequest):
        # its own text starts "invalid ... request:": the label says that already
        message = "; ".join(str(problem) for problem in error.problems)
    elif isinstance(error, UnsupportedOperation):
        hint = _hint(error, arguments)
        message = f"{error.summary}: {hint}" if hint else error.summary
    elif isinstance(error, UnifiedOrdersError | CliError):
        message = str(error)
    elif isinstance(error, KeyboardInterrupt):
        message = "stopped by Ctrl-C"
    else:
        message = f"{type(error).__name__}: {error}"
    key = error.idempotency_key if isinstance(error, AmbiguousWrite) else None
    if key and key not in message:
        message += f" (idempotency key {key})"
    return " ".join(cli_terms(message).split())


def _hint(error: BaseException, arguments: Mapping[str, str] | None = None) -> str | None:
    if isinstance(error, UnsupportedOperation) and error.hint:
        return " ".join(cli_terms(error.hint, arguments).split())
    code = exit_code_for(error)
    if code is ExitCode.INTERNAL:
        return DEBUG_HINT
    if code is ExitCode.USAGE:
        return "see --help"
    return None


def describe(
    error: BaseException,
    secrets: list[str] | None = None,
    arguments: Mapping[str, str] | None = None,
) -> str:
    """One line: what kind of error, the message (with platform code and field problems);
    ``arguments``: the command's own, for the placeholders of a hint."""
    from ..http import redact  # only when something failed: the HTTP layer is not light

    code = exit_code_for(error)
    message = _message(error, arguments)
    line = f"{_LABEL[code]}: {message}" if message else _LABEL[code]
    return redact(line, secrets or [])


def error_object(
    error: BaseException,
    secrets: list[str] | None = None,
    arguments: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The error as ``{"error": {...}}``: what ``--json`` prints on stderr (see docs/cli.md)."""
    code = exit_code_for(error)
    body: dict[str, Any] = {
        "code": int(code),
        "name": code.error_name,
        "message": _message(error, arguments),
        "problems": [
            {"path": problem.path, "message": problem.message}
            for problem in getattr(error, "problems", [])
        ],
        "hint": _hint(error, arguments),
    }
    if isinstance(error, PlatformError):
        body |= {"platform": error.platform, "status": error.status, "platform_code": error.code}
    if isinstance(error, UnsupportedOperation):
        body |= {"platform": error.platform, "operation": error.operation}
    if isinstance(error, AmbiguousWrite):
        body |= {"idempotency_key": error.idempotency_key, "candidates": error.candidates}
    if isinstance(error, RefundFailed):
        refund = error.refund
        body |= {
            "refund_id": getattr(refund, "id", None),
            "idempotency_key": getattr(refund, "idempotency_key", None),
        }
    return {"error": _redacted(body, secrets or [])}


def usage_error_object(message: str, *, parameter: str | None = None) -> dict[str, Any]:
    """A usage error (exit 2: unknown option, bad value) as a JSON error object."""
    problems = [{"path": parameter, "message": message}] if parameter else []
    return {
        "error": {
            "code": int(ExitCode.USAGE),
            "name": ExitCode.USAGE.error_name,
            "message": " ".join(message.split()),
            "problems": problems,
            "hint": "see --help",
        }
    }


def _redacted(value: Any, secrets: list[str]) -> Any:
    from ..http import redact

    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {key: _redacted(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    return value

"""Exit codes and the one-line error report.

========  =====================================================================================
code      meaning
========  =====================================================================================
0         success
1         unexpected internal error (a bug: run again with ``--debug`` and report the traceback)
2         usage: unknown command or option, bad option value (Click's own code)
3         configuration: config file, store name, settings, missing environment variable
4         validation: the request is wrong (unknown line, quantity too high, ...); nothing sent
5         unsupported: the platform or store cannot do this; nothing sent (a hint says what to do)
6         platform: the platform answered with an error (not found, auth, illegal transition, ...)
7         ambiguous write: a write was sent and its outcome is unknown; check before retrying
8         not confirmed: a money-moving command got no ``--yes`` and no confirmation; nothing sent
9         bulk run finished with some rows failed, invalid or ambiguous (see the results CSV)
10        refund failed: the platform recorded the refund as failed or pending; no money moved
11        busy: another process holds the lock (the same order, sandbox store, ledger or DB)
130       interrupted (Ctrl-C)
========  =====================================================================================
"""

from __future__ import annotations

from enum import IntEnum

from ..errors import (
    AmbiguousWrite,
    ConfigurationError,
    InvalidRequest,
    PlatformError,
    RefundFailed,
    UnifiedOrdersError,
    UnsupportedOperation,
)
from ..http import redact
from ..locks import LockTimeout

__all__ = ["CliError", "ExitCode", "describe", "exit_code_for"]


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


class CliError(Exception):
    """An error the CLI itself raises: a message and the exit code to leave with."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an error raised while running a command."""
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
    if isinstance(error, InvalidRequest):
        return ExitCode.VALIDATION
    if isinstance(error, UnsupportedOperation):
        return ExitCode.UNSUPPORTED
    if isinstance(error, PlatformError):
        return ExitCode.PLATFORM
    if isinstance(error, UnifiedOrdersError):
        return ExitCode.INTERNAL
    return ExitCode.INTERNAL


_LABEL = {
    ExitCode.CONFIGURATION: "configuration error",
    ExitCode.VALIDATION: "invalid request",
    ExitCode.UNSUPPORTED: "unsupported",
    ExitCode.PLATFORM: "platform error",
    ExitCode.AMBIGUOUS_WRITE: "ambiguous write",
    ExitCode.NOT_CONFIRMED: "not confirmed",
    ExitCode.BULK_INCOMPLETE: "bulk run incomplete",
    ExitCode.REFUND_FAILED: "refund failed",
    ExitCode.BUSY: "busy",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.INTERNAL: "error",
}


def describe(error: BaseException, secrets: list[str] | None = None) -> str:
    """One line: what kind of error, the message (with platform code and field problems)."""
    code = exit_code_for(error)
    label = _LABEL.get(code, "error")
    if isinstance(error, PlatformError | InvalidRequest | UnsupportedOperation | CliError):
        message = str(error)  # these already carry status/code/problems/hint
    elif isinstance(error, UnifiedOrdersError):
        message = str(error)
    elif isinstance(error, KeyboardInterrupt):
        message = "stopped by Ctrl-C"
    else:
        message = f"{type(error).__name__}: {error}"
    key = error.idempotency_key if isinstance(error, AmbiguousWrite) else None
    if key and key not in message:
        message += f" (idempotency key {key})"
    line = " ".join(f"{label}: {message}".split())
    return redact(line, secrets or [])

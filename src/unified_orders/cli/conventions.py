"""How every command's parameters behave, applied once to the whole command tree.

- Text values are trimmed: ``' acme-us '`` is the store ``acme-us``, an id or key pasted with a
  trailing space or newline is the id or key. (Paths, enums and numbers are not text.)
- Help shows flags as flags (``--yes``, never ``--yes <bool>``), values with a name saying what to
  write (``--note TEXT``, ``--limit INTEGER``, ``--created-since DATETIME``), arguments in capitals
  (``STORE ORDER``). A metavar a command sets itself is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperArgument, TyperOption

__all__ = ["apply_conventions", "trimmed"]

#: Metavars for the value types typer describes as ``<type>``.
_METAVARS = {
    "<str>": "TEXT",
    "<int>": "INTEGER",
    "<int range>": "INTEGER",
    "<float>": "NUMBER",
    "<datetime>": "DATETIME",
    "<file>": "FILE",
    "<directory>": "DIR",
    "<dir>": "DIR",
    "<path>": "PATH",
    "<list[str]>": "TEXT",
}

_APPLIED = "_unified_orders_conventions"


def trimmed(value: Any) -> Any:
    """Text (or each text in a list or tuple) without leading and trailing whitespace."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, list | tuple) and any(type(item) is str for item in value):
        return type(value)(item.strip() if type(item) is str else item for item in value)
    return value


def _trimming(callback: Callable[..., Any] | None) -> Callable[..., Any]:
    def trim_then_call(ctx: typer.Context, param: Any, value: Any) -> Any:
        value = trimmed(value)
        return callback(ctx, param, value) if callback is not None else value

    return trim_then_call


def _metavar(param: TyperOption | TyperArgument, ctx: typer.Context) -> str | None:
    if isinstance(param, TyperArgument):
        return (param.name or "").upper() or None
    if param.is_flag or param.count:
        return ""  # a flag takes no value: show none
    try:
        described = str(param.display_type(ctx))
    except (AttributeError, TypeError):  # a typer without typed help: keep its own metavar
        return None
    if described in _METAVARS:
        return _METAVARS[described]
    if "|" in described:  # choices: a|b|c
        return "[" + described.strip("<>") + "]"
    return None


def apply_conventions(command: Any, ctx: typer.Context | None = None) -> Any:
    """Apply the conventions to ``command`` and every subcommand under it (once each)."""
    if getattr(command, _APPLIED, False):
        return command
    setattr(command, _APPLIED, True)
    context = ctx or typer.Context(command)
    help_option = command.get_help_option(context)
    if help_option is not None:
        help_option.metavar = ""
    for param in command.params:
        if not isinstance(param, TyperOption | TyperArgument):
            continue
        if param.expose_value and not param.is_eager:
            param.callback = _trimming(param.callback)
        if param.metavar is None:
            param.metavar = _metavar(param, context)
    for sub in getattr(command, "commands", {}).values():
        apply_conventions(sub, context)
    return command

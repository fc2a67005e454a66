"""The root command: subcommands loaded when used, global options anywhere, every error as one
line (or, with ``--json``, one JSON object) on stderr plus its exit code.

A subcommand's module (and the library, adapters, DuckDB behind it) is imported only when that
command runs or its own help is asked for; ``unified-orders --help`` lists them from their
one-line summaries, ``--version`` imports nothing.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

from .conventions import apply_conventions
from .errors import DEBUG_HINT, describe, error_object, exit_code_for, usage_error_object

__all__ = ["Lazy", "RootGroup"]

#: Flags that may be written anywhere on the command line (before a ``--``).
GLOBAL_FLAGS = ("--json", "--table", "--debug")
#: Global options with a value (``--fields id,total`` or ``--fields=id,total``), also anywhere.
GLOBAL_OPTIONS = ("--fields",)


@dataclass(frozen=True)
class Lazy:
    """A subcommand imported when used: ``module:attr`` (a typer app, or a command function),
    and the one-line summary the root help shows without importing it."""

    target: str
    summary: str

    def load(self, name: str) -> Any:
        """The click command (or group) it names, as ``add_typer``/``command`` would make it."""
        module, _, attr = self.target.partition(":")
        found = getattr(import_module(module), attr)
        parent = typer.Typer()
        if isinstance(found, typer.Typer):
            parent.add_typer(found, name=name)
        else:
            parent.command(name)(found)
        parent.callback()(lambda: None)  # a group even with one command: the name stays a level
        group: Any = typer.main.get_command(parent)
        return group.commands[name]


class _Commands(MutableMapping[str, Any]):
    """The root's subcommands: those loaded, and those to load on first lookup."""

    def __init__(self, loaded: MutableMapping[str, Any], lazy: Mapping[str, Lazy]) -> None:
        self._loaded = loaded
        self._lazy = lazy

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in self._lazy:
                raise KeyError(name)
            command = self._lazy[name].load(name)
            command.name = name
            self._loaded[name] = apply_conventions(command)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in self._lazy if name not in self._loaded)

    def __len__(self) -> int:
        return len(set(self._loaded) | set(self._lazy))


def json_requested(args: list[str]) -> bool:
    """Whether ``--json`` is on the command line (before a ``--``)."""
    head = args[: args.index("--")] if "--" in args else args
    return "--json" in head


def hoist(args: list[str], *, strict: bool = True) -> list[str]:
    """Global flags and options written after the subcommand, moved to the front (``strict``: an
    option without its value is an error; else, while a shell completes, it is left out)."""
    cut = args.index("--") if "--" in args else len(args)
    head, tail = args[:cut], args[cut:]
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(head):
        arg = head[index]
        index += 1
        if arg in GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            hoisted.append(arg)
        elif arg in GLOBAL_OPTIONS:
            value = head[index] if index < len(head) else None
            if value is not None and not value.startswith("--"):
                hoisted += [arg, value]
                index += 1
            elif strict:
                raise typer.BadParameter(f"{arg} needs a value, e.g. {arg} id,total")
        else:
            rest.append(arg)
    return hoisted + rest + tail


def _write_json_error(payload: dict[str, Any]) -> None:
    sys.stderr.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stderr.flush()


def _usage_error(error: Any) -> dict[str, Any]:
    param = getattr(error, "param", None)
    opts = getattr(param, "opts", None) or [getattr(param, "name", None)]
    name = opts[0] if param is not None else None
    return usage_error_object(error.format_message(), parameter=name)


def _shows_help(error: BaseException) -> bool:
    """A group run without a subcommand: its help is the answer, not an error message."""
    return type(error).__name__ == "NoArgsIsHelpError"


class RootGroup(TyperGroup):
    """The root command. Subclasses name their subcommands in ``lazy_commands``."""

    lazy_commands: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        apply_conventions(self)  # the loaded subcommands get them when they load
        self.commands = _Commands(dict(self.commands), self.lazy_commands)
        self._listing = False

    # --- subcommands ------------------------------------------------------------------------
    def list_commands(self, ctx: Any) -> list[str]:
        """Every subcommand name, loaded or not, in the app's order."""
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The subcommand; a stand-in carrying its summary while help or completion lists it."""
        commands = self.commands
        if self._listing and isinstance(commands, _Commands) and not commands.loaded(cmd_name):
            entry = self.lazy_commands.get(cmd_name)
            if entry is not None:
                return TyperCommand(cmd_name, help=entry.summary)
        return commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root help, listing subcommands without importing them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        """Subcommand names (and options) completed without importing the subcommands."""
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    # --- parsing ------------------------------------------------------------------------------
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Move global options written after the subcommand to the front, where Click expects
        them; with ``--json``, a usage error is a JSON object."""
        try:
            return super().parse_args(ctx, hoist(args, strict=not ctx.resilient_parsing))
        except typer.TyperException as error:
            if json_requested(args) and not _shows_help(error):
                _write_json_error(_usage_error(error))
                raise typer.Exit(getattr(error, "exit_code", 2)) from None
            raise

    # --- running --------------------------------------------------------------------------------
    def invoke(self, ctx: Any) -> Any:
        """Run the command; save sandbox stores; turn errors into one line and an exit code."""
        from .session import Session

        try:
            try:
                with warnings.catch_warnings(record=True) as caught, _log_lines():
                    warnings.simplefilter("default")
                    try:
                        return super().invoke(ctx)
                    finally:
                        _show(caught)
            finally:
                if isinstance(ctx.obj, Session):
                    ctx.obj.close()
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as error:
            if bool(ctx.params.get("json_mode")) and not _shows_help(error):
                _write_json_error(_usage_error(error))
                raise typer.Exit(getattr(error, "exit_code", 2)) from None
            raise
        except BrokenPipeError:
            # the reader went away (``orders list | head``): not an error; stop writing quietly
            _silence_stdout()
            raise typer.Exit(0) from None
        except (Exception, KeyboardInterrupt) as error:
            session = ctx.obj if isinstance(ctx.obj, Session) else None
            _report(
                error,
                debug=session.debug if session else bool(ctx.params.get("debug")),
                as_json=session.json_mode if session else bool(ctx.params.get("json_mode")),
                secrets=session.secrets if session else [],
                arguments=session.arguments if session else {},
            )
            raise typer.Exit(int(exit_code_for(error))) from None


def _report(
    error: BaseException,
    *,
    debug: bool,
    as_json: bool,
    secrets: list[str],
    arguments: dict[str, str],
) -> None:
    """The error on stderr: one line (broken between words on a terminal), or one JSON object;
    with ``--debug`` the traceback first."""
    from ..http import redact
    from .results import wrapped

    if debug:
        text = "".join(traceback.format_exception(error))
        sys.stderr.write(redact(text, secrets))
    if as_json:
        _write_json_error(error_object(error, secrets, arguments))
        return
    line = describe(error, secrets, arguments)
    if exit_code_for(error) == 1 and not debug:
        line += f" ({DEBUG_HINT})"
    typer.echo(wrapped(line, stream=sys.stderr), err=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _show(caught: list[warnings.WarningMessage]) -> None:
    """Library warnings (a plugin that failed to load, ...) as one ``warning:`` line each."""
    seen: set[str] = set()
    for item in caught:
        text = str(item.message)
        if text not in seen:
            seen.add(text)
            typer.echo(f"warning: {text}", err=True)


class _LogLines(logging.Handler):
    """Library log records (warnings and worse) as ``warning: ...`` lines on stderr, broken
    between words on a terminal like every other line there. Without a handler Python prints
    them bare and unbroken (its last resort). A record marked ``reported`` (a store's failed
    sync) is left out: the command's result line says it."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        from .results import wrapped

        if getattr(record, "reported", False):
            return
        try:
            text = f"{record.levelname.lower()}: {record.getMessage()}"
            typer.echo(wrapped(text, stream=sys.stderr), err=True)
        except Exception:
            self.handleError(record)


@contextmanager
def _log_lines() -> Iterator[None]:
    """:class:`_LogLines` on the root logger while a command runs (``webhooks serve`` keeps its
    own timestamped log; a ``sync --processes`` worker forwards its records instead)."""
    root = logging.getLogger()
    handler = _LogLines()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)

"""One CLI invocation's state: the config, the output, the stores it opened, confirmation.

Sandbox stores get their saved emulator state loaded when opened and saved when the session
closes, if a write changed it, so consecutive commands see one story. The state file is locked from
load to save, so concurrent commands on one sandbox store run one after the other and never lose
each other's writes.

The library (config, adapters, the HTTP layer) is imported when a command first needs it, so a
command starts without loading what it does not use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..errors import ConfigurationError, UnifiedOrdersError
from .errors import CliError, ExitCode
from .fields import check_fields, valid_fields
from .results import Output

if TYPE_CHECKING:
    from ..config import Config, StoreConfig
    from ..store import AsyncStore, Store
    from .sandboxes import SandboxStates

__all__ = ["Session", "session_of"]


class Session:
    """Created by the root command; commands reach it with :func:`session_of`."""

    def __init__(
        self,
        *,
        config_path: Path | None = None,
        json_mode: bool = False,
        table_mode: bool = False,
        debug: bool = False,
        fields: Sequence[str] | None = None,
    ) -> None:
        self.output = Output(json_mode=json_mode, table_mode=table_mode, fields=fields)
        self.json_mode = json_mode
        self.table_mode = table_mode
        self.debug = debug
        #: ``--fields``: the keys or columns results show (None: each command's own).
        self.fields = self.output.fields
        #: The running command's text arguments (``{"store": "acme", "order": "1001"}``): they
        #: fill the placeholders of an error's hint.
        self.arguments: dict[str, str] = {}
        self.secrets: list[str] = []
        self._config_path = config_path
        self._config: Config | None = None
        self._open: dict[str, tuple[StoreConfig, Store]] = {}
        self._saved_writes: dict[str, int | None] = {}
        self._locks = ExitStack()
        self._warned: set[str] = set()

    @cached_property
    def states(self) -> SandboxStates:
        """The sandbox stores' saved state."""
        from .sandboxes import SandboxStates

        return SandboxStates()

    @property
    def config(self) -> Config:
        """The stores config, loaded on first use."""
        from ..config import CONFIG_ENV, default_config_path, load_config

        if self._config is None:
            try:
                self._config = load_config(self._config_path)
            except UnicodeDecodeError as error:
                where = self._config_path or os.environ.get(CONFIG_ENV) or default_config_path()
                raise ConfigurationError(
                    f"config file {where} is not UTF-8 text (byte {error.start}: "
                    f"{error.reason}); save it as UTF-8"
                ) from None
            for warning in self._config.warnings():
                self.warn_once(warning)
        return self._config

    def warn_once(self, text: str) -> None:
        """A warning, printed at most once per run."""
        if text not in self._warned:
            self._warned.add(text)
            self.output.warn(text)

    def store(self, name: str) -> Store:
        """Connect to a configured store (once per run); sandbox stores get their saved state."""
        from ..connect import connect

        if name in self._open:
            return self._open[name][1]
        config, settings = self._settings(name)
        try:
            store = connect(config.platform, **settings)
        except ConfigurationError as error:
            raise ConfigurationError(f"store {name!r} ({config.source}): {error}") from None
        self.secrets += store.adapter.secrets()
        if store.sandbox is not None:
            with ExitStack() as held:
                held.enter_context(self.states.lock(name))
                try:
                    self.states.load(name, config.platform, store.sandbox)
                except BaseException:
                    store.close()
                    raise  # the lock is released: a later use may try again
                self._locks.enter_context(held.pop_all())  # held until the session closes
            self._saved_writes[name] = _writes(store.sandbox)
        self._open[name] = (config, store)
        return store

    def open_stores(self, names: list[str]) -> None:
        """Open several stores up front, sandbox state locks in one fixed order (by file), so two
        commands using the same sandbox stores never wait on each other in a circle. A store that
        cannot be opened is left for its first use to report; a busy one stops the command."""
        from ..locks import LockTimeout

        for name in sorted(names, key=lambda n: str(self.states.path(n))):
            try:
                self.store(name)
            except LockTimeout:
                raise
            except UnifiedOrdersError:
                continue

    def _settings(self, name: str) -> tuple[StoreConfig, dict[str, Any]]:
        config = self.config.store(name)
        for warning in config.warnings():
            self.warn_once(warning)
        settings = config.resolve()
        secret = config.secret_fields()
        self.secrets += [str(v) for k, v in settings.items() if k in secret and v]
        return config, settings

    def sync_stores(self, names: list[str] | None) -> dict[str, Callable[[], AsyncStore]]:
        """Factories of async stores for ``unified-orders sync`` (every configured store by
        default). Sandbox stores start from their saved state; sync only reads, so nothing is
        saved back."""
        from ..connect import connect_async

        factories: dict[str, Callable[[], AsyncStore]] = {}
        for name in names or list(self.config.stores):
            config, settings = self._settings(name)

            def factory(
                name: str = name, config: StoreConfig = config, settings: dict[str, Any] = settings
            ) -> AsyncStore:
                store = connect_async(config.platform, **settings)
                if store.sandbox is not None:
                    with self.states.lock(name):
                        self.states.load(name, config.platform, store.sandbox)
                return store

            factories[name] = factory
        return factories

    def checkpoint(self, name: str) -> None:
        """Save a sandbox store's state now if a write changed it (bulk runs do this after every
        write)."""
        if name in self._open:
            config, store = self._open[name]
            self._save(name, config, store)

    def _save(self, name: str, config: StoreConfig, store: Store) -> None:
        if store.sandbox is None:
            return
        writes = _writes(store.sandbox)
        if writes is not None and writes == self._saved_writes.get(name):
            return  # nothing changed: a read, or a declined prompt
        self.states.save(name, config.platform, store.sandbox)
        self._saved_writes[name] = writes

    def close(self) -> None:
        """Save every opened sandbox store that a write changed, release the state locks, and
        close the connections."""
        opened, self._open = self._open, {}
        try:
            for name, (config, store) in opened.items():
                try:
                    self._save(name, config, store)
                finally:
                    store.close()
        finally:
            self._locks.close()

    def confirm(self, question: str, *, yes: bool, what: str) -> None:
        """Go on only with ``--yes`` or a "y" typed at a terminal; else exit 8, nothing sent."""
        if yes:
            return
        if not sys.stdin.isatty():
            raise CliError(
                f"{what} needs confirmation and there is no terminal to ask on; nothing was "
                "sent. Check the preview, then pass --yes",
                ExitCode.NOT_CONFIRMED,
            )
        try:
            agreed = typer.confirm(question, default=False, err=True)
        except typer.Abort:
            agreed = False
        if not agreed:
            raise CliError(f"{what} not confirmed; nothing was sent", ExitCode.NOT_CONFIRMED)


def _writes(emulator: object) -> int | None:
    """How many writes an emulator has served (None: it does not count, so always save)."""
    writes = getattr(emulator, "writes", None)
    return writes if isinstance(writes, int) else None


def session_of(ctx: typer.Context) -> Session:
    """The session the root command created, once ``--fields`` is known to suit the command
    (a usage error, exit 2, before the command does anything)."""
    obj = ctx.find_root().obj
    if not isinstance(obj, Session):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("the unified-orders root command did not run")
    obj.arguments = {name: value for name, value in ctx.params.items() if isinstance(value, str)}
    if obj.fields is not None:
        command = ctx.command_path.partition(" ")[2]
        valid = valid_fields(command)
        if valid is not None:
            check_fields(obj.fields, valid, command)
    return obj

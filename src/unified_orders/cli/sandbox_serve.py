"""``sandbox serve``: the sandbox stores' emulators behind a :class:`SandboxServer`.

How the server's state relates to the state files the CLI keeps (:mod:`.sandboxes`): at start it
takes each served store's state lock (held until it stops) and loads the saved state, as a
command does; it leaves a marker naming its address, so a command that would open a served store
in-process stops at once (exit 11) instead of working on a copy that would diverge; it saves a
store's state within a second of a write (so a server killed with SIGKILL loses at most that
second) and once more on exit; ``sandbox reset`` asks it for fresh demo data. After it stops,
in-process commands carry on from the state it saved.
"""

from __future__ import annotations

import errno
import functools
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from ..adapter import Emulator
from ..config import SANDBOX_SERVER_ENV, SANDBOX_SERVER_KEY, StoreConfig
from ..sandbox.protocol import is_loopback
from ..sandbox.server import SandboxServer, ServedStore
from .errors import CliError, ExitCode
from .sandboxes import SandboxStates, use_wall_clock
from .session import Session

__all__ = ["SAVE_EVERY", "ServeOptions", "StateKeeper", "run_server"]

#: Seconds between saves of the stores a write changed.
SAVE_EVERY = 1.0


@dataclass(frozen=True)
class ServeOptions:
    """What ``sandbox serve`` was asked for (latency in seconds)."""

    host: str = "127.0.0.1"
    port: int = 8765
    allow_non_loopback: bool = False
    latency: float = 0.0
    log_requests: bool = False


class StateKeeper:
    """Saves the served stores' state files: after writes (every :data:`SAVE_EVERY` s), after a
    reset, and at the end."""

    def __init__(self, states: SandboxStates, stores: dict[str, ServedStore]) -> None:
        self.states = states
        self.stores = stores
        self._lock = threading.Lock()
        self._saved: dict[str, tuple[Emulator, int | None]] = {
            name: (store.emulator, _writes(store.emulator)) for name, store in stores.items()
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-saver", daemon=True)

    def start(self) -> None:
        """Save in the background from now on."""
        self._thread.start()

    def save_changed(self) -> None:
        """Save every store a write changed since its last save."""
        with self._lock:
            for name, store in self.stores.items():
                emulator = store.emulator
                writes = _writes(emulator)  # read before the dump: a later write saves again
                before, saved = self._saved[name]
                if before is emulator and writes is not None and writes == saved:
                    continue
                self.states.save(name, store.platform, emulator)
                self._saved[name] = (emulator, writes)

    def reset(self, store: ServedStore) -> None:
        """A reset store: its file goes (fresh demo data is what a missing file means)."""
        with self._lock:
            self.states.path(store.name).unlink(missing_ok=True)
            self._saved[store.name] = (store.emulator, _writes(store.emulator))

    def stop(self) -> None:
        """Stop saving in the background, then save what is left."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.save_changed()

    def _run(self) -> None:
        while not self._stop.wait(SAVE_EVERY):
            self.save_changed()


def _writes(emulator: Emulator) -> int | None:
    writes = getattr(emulator, "writes", None)
    return writes if isinstance(writes, int) else None


def _emulator(config: StoreConfig, settings: dict[str, Any]) -> Emulator:
    """A fresh emulator for one store, built as ``connect`` builds it, on the wall clock."""
    from ..connect import connect

    store = connect(config.platform, **settings)
    try:
        if store.sandbox is None:  # pragma: no cover - sandbox=True always has one here
            raise CliError(f"store {config.name!r}: no emulator", ExitCode.CONFIGURATION)
        use_wall_clock(store.sandbox)
        return store.sandbox
    finally:
        store.close()


def _chosen(session: Session, names: list[str] | None) -> list[StoreConfig]:
    config = session.config
    if not names:
        chosen = [store for store in config.stores.values() if store.sandbox]
        if not chosen:
            where = config.path or "the built-in stores"
            raise CliError(f"no sandbox stores to serve in {where}", ExitCode.CONFIGURATION)
        return chosen
    picked = [config.store(name) for name in dict.fromkeys(names)]
    for store in picked:
        if not store.sandbox:
            raise CliError(
                f"store {store.name!r} ({store.source}) is not a sandbox store; only sandbox "
                "stores are served",
                ExitCode.CONFIGURATION,
            )
    return picked


def _check_host(options: ServeOptions) -> None:
    if is_loopback(options.host) or options.allow_non_loopback:
        return
    raise CliError(
        f"refusing to listen on {options.host}: the sandbox server has no authentication, "
        "so anyone who can reach it could read and change the sandbox stores. Give a "
        "loopback --host (127.0.0.1, ::1, localhost), or add --allow-non-loopback on a "
        "network you trust",
        ExitCode.USAGE,
    )


def _listen(stores: dict[str, ServedStore], options: ServeOptions, keeper: Any) -> SandboxServer:
    try:
        return SandboxServer(
            stores,
            host=options.host,
            port=options.port,
            latency=options.latency,
            log_requests=options.log_requests,
            on_reset=keeper,
        )
    except OSError as error:
        busy = error.errno == errno.EADDRINUSE
        raise CliError(
            f"cannot listen on {options.host} port {options.port}: {error.strerror or error}"
            + ("; another server has it: give another --port (0: any free port)" if busy else ""),
            ExitCode.BUSY if busy else ExitCode.CONFIGURATION,
        ) from None


def _announce(session: Session, server: SandboxServer) -> None:
    out = session.output
    stores = sorted(server.stores)
    record = {"url": server.url, "stores": stores}

    def render(_: dict[str, Any]) -> list[str]:
        width = max(len(name) for name in stores)
        return [
            f"Serving {len(stores)} sandbox store{'s' if len(stores) > 1 else ''} at {server.url}",
            *(f"  {n:<{width}}  {server.stores[n].platform}" for n in stores),
        ]

    out.item(record, render)
    for line in (
        "Use them from other processes (every sandbox store):",
        f"  export {SANDBOX_SERVER_ENV}={server.url}",
        f'or in one store\'s config: {SANDBOX_SERVER_KEY} = "{server.url}"',
        "Ctrl-C stops the server; the state is saved.",
    ):
        out.note(line)


@contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[list[bool]]:
    """While inside, SIGTERM sets ``stop``; yields a flag list that is ``[True]`` once it did."""
    terminated: list[bool] = []

    def handler(signum: int, frame: Any) -> None:
        terminated.append(True)
        stop.set()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding test): no signal handling
        yield terminated
        return
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_server(
    session: Session,
    names: list[str] | None,
    options: ServeOptions,
    stop: threading.Event | None = None,
) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt, exit 130), SIGTERM or ``stop`` (exit 0)."""
    _check_host(options)
    chosen = _chosen(session, names)
    states = session.states
    stop = stop or threading.Event()
    with ExitStack() as held:
        stores: dict[str, ServedStore] = {}
        for config in sorted(chosen, key=lambda c: str(states.path(c.name))):  # lock order
            settings = config.resolve()
            settings.pop(SANDBOX_SERVER_KEY, None)  # the server is where the emulator runs
            held.enter_context(states.lock(config.name))
            emulator = _emulator(config, settings)
            states.load(config.name, config.platform, emulator)
            stores[config.name] = ServedStore(
                config.name,
                config.platform,
                emulator,
                fresh=functools.partial(_emulator, config, settings),
            )
        keeper = StateKeeper(states, stores)
        server = _listen(stores, options, keeper.reset)
        for name in stores:
            states.mark_served(name, server.url)
            held.callback(states.unmark_served, name)
        server.start()
        keeper.start()
        how = "after an error"
        try:
            with _stop_on_sigterm(stop) as terminated:  # before the address is out
                _announce(session, server)
                while not stop.wait(0.5):
                    pass
            how = "by SIGTERM" if terminated else "on request"
        except KeyboardInterrupt:
            how = "by Ctrl-C"
            raise
        finally:
            server.stop()
            keeper.stop()
            said = "" if how == "by Ctrl-C" else f"stopped {how}; "  # Ctrl-C: the error line
            session.output.note(f"{said}the state is saved")

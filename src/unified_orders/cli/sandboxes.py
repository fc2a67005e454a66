"""Sandbox stores whose emulator state survives between commands.

Each sandbox store's state is a JSON file ``<data dir>/sandboxes/<store>.json`` holding the
platform name and the emulator's ``dump_state()``. It is loaded before a command runs and saved
after (and after every write of a bulk run), so ``refunds calculate`` then ``refunds create`` then
``orders get`` tell one story. ``unified-orders sandbox reset`` deletes the files.

While ``unified-orders sandbox serve`` serves a store, the server holds that store's state (and
its lock) and leaves ``<store>.served`` beside the state file, naming its address and process; a
command that would open the store in-process stops at once with :class:`SandboxServed` (exit 11)
saying to point the store at the server, rather than waiting on the lock or working on a copy.

A sandbox store the CLI opens runs on the real clock: what a command writes there (refunds,
returns, cancellations, holds) is dated now, in UTC, so ``report --since today`` after a ``sync``
shows it. The seeded demo orders keep the fixed dates of the emulators' logical clocks.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

from .. import jsonutil
from ..adapter import Emulator
from ..config import APP_NAME
from ..errors import ConfigurationError
from ..locks import LockTimeout, path_lock

__all__ = ["DATA_DIR_ENV", "SandboxServed", "SandboxStates", "data_dir", "use_wall_clock"]


class SandboxServed(LockTimeout):
    """The store's state is held by a running sandbox server: use the store through it."""


DATA_DIR_ENV = "UNIFIED_ORDERS_DATA_DIR"


def data_dir() -> Path:
    """``$UNIFIED_ORDERS_DATA_DIR``, else the user data dir (e.g. ``~/.local/share/unified-orders``)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))


def use_wall_clock(emulator: Emulator) -> None:
    """Date the emulator's writes by the real clock (UTC) from now on (an emulator not built on
    the sandbox toolkit keeps its own clock)."""
    from ..sandbox import BaseEmulator, utc_now

    if isinstance(emulator, BaseEmulator):
        emulator.wall_clock = utc_now


class SandboxStates:
    """Reads and writes sandbox emulator states under one directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or data_dir()) / "sandboxes"

    def path(self, store: str) -> Path:
        """The state file of one store."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in store)
        return self.root / f"{safe}.json"

    def lock(self, store: str) -> contextlib.AbstractContextManager[None]:
        """An exclusive lock on one store's state, across processes; :class:`SandboxServed` at
        once when a sandbox server holds it."""
        url = self.served_by(store)
        if url is not None:
            raise SandboxServed(
                f"sandbox store {store!r} is served by `unified-orders sandbox serve` at {url}, "
                f'which holds its state; point the store at it (sandbox_server = "{url}" in '
                f"its config, or UNIFIED_ORDERS_SANDBOX_SERVER={url}), or stop the server first"
            )
        path = self.path(store)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path_lock(path, f"the sandbox state of store {store!r}")

    def _served_path(self, store: str) -> Path:
        return self.path(store).with_suffix(".served")

    def served_by(self, store: str) -> str | None:
        """The address of the live sandbox server serving ``store``, or None."""
        try:
            marker: Any = jsonutil.loads(self._served_path(store).read_text(encoding="utf-8"))
            url, pid = marker["url"], marker["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
            return None  # left by a server that was killed: its lock died with it
        return url

    def served_stores(self) -> dict[str, str]:
        """Every store a live sandbox server serves, with the server's address."""
        found: dict[str, str] = {}
        for marker in sorted(self.root.glob("*.served")) if self.root.exists() else []:
            try:
                name = jsonutil.loads(marker.read_text(encoding="utf-8"))["store"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            url = self.served_by(name) if isinstance(name, str) else None
            if url is not None:
                found[name] = url
        return found

    def mark_served(self, store: str, url: str) -> None:
        """Say (to other processes) that the server at ``url``, this process, serves ``store``;
        call with the store's lock held."""
        marker = {"store": store, "url": url, "pid": os.getpid()}
        self._served_path(store).write_text(jsonutil.dumps(marker), encoding="utf-8")

    def unmark_served(self, store: str) -> None:
        """Take the marker of :meth:`mark_served` away (the server stopped)."""
        self._served_path(store).unlink(missing_ok=True)

    def load(self, store: str, platform: str, emulator: Emulator) -> bool:
        """Load a saved state into ``emulator`` and put it on the wall clock; False when there is
        no saved state (fresh demo data)."""
        use_wall_clock(emulator)
        path = self.path(store)
        if not path.exists():
            return False
        try:
            saved: Any = jsonutil.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigurationError(
                f"sandbox state of store {store!r} ({path}) is unreadable: {error}; "
                f"run `unified-orders sandbox reset {store}` to start over"
            ) from None
        if not isinstance(saved, dict) or saved.get("platform") != platform:
            return False  # written for another platform: start from fresh demo data
        try:
            emulator.load_state(saved["state"])
        except Exception as error:  # an emulator that changed its state format
            raise ConfigurationError(
                f"sandbox state of store {store!r} ({path}) does not fit the {platform} "
                f"emulator ({type(error).__name__}: {error}); run "
                f"`unified-orders sandbox reset {store}` to start over"
            ) from None
        return True

    def save(self, store: str, platform: str, emulator: Emulator) -> Path:
        """Write the emulator's state atomically (a temporary file, then a rename)."""
        path = self.path(store)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = jsonutil.dumps({"platform": platform, "state": emulator.dump_state()})
        # mkstemp creates the file 0600: sandbox states hold (fake) customer data
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    def reset(self, stores: list[str] | None = None) -> list[str]:
        """Delete saved states (of ``stores``, or all); returns the stores whose state was deleted."""
        if not self.root.exists():
            return []
        names = stores if stores is not None else [p.stem for p in sorted(self.root.glob("*.json"))]
        deleted = []
        for name in names:
            path = self.path(name)
            with self.lock(name):  # never under a command that is using the store
                if path.exists():
                    path.unlink()
                    deleted.append(name)
        return deleted


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (where that cannot be asked safely, assume it does)."""
    if pid == os.getpid() or os.name == "nt":  # os.kill would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it runs, as another user
        return True
    return True

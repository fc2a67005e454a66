"""How a sync reports progress: one rich bar per store on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichBars
    from rich.progress import TaskID

    from .runner import StoreResult

__all__ = ["LogProgress", "NullProgress", "Progress", "RichProgress", "auto_progress"]


class Progress(Protocol):
    """Receives sync events; the runner calls these from the event loop thread."""

    def started(self, store: str, platform: str, mode: str) -> None:
        """A store's run started (or resumed)."""

    def page(self, store: str, orders: int, changed: int) -> None:
        """A page was written: ``orders`` read, ``changed`` of them new or changed."""

    def finished(self, result: StoreResult) -> None:
        """A store completed or failed."""

    def close(self) -> None:
        """The whole sync is over."""


class NullProgress:
    """Reports nothing."""

    def started(self, store: str, platform: str, mode: str) -> None:
        """Ignore."""

    def page(self, store: str, orders: int, changed: int) -> None:
        """Ignore."""

    def finished(self, result: StoreResult) -> None:
        """Ignore."""

    def close(self) -> None:
        """Ignore."""


class LogProgress:
    """Plain lines, one per event, for logs and pipes."""

    #: Pages that read no order (change feeds, fulfillment-order listings) get one line for
    #: this many, not one each.
    EMPTY_PAGES_A_LINE = 25

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._orders: dict[str, int] = {}
        self._empty: dict[str, int] = {}

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def started(self, store: str, platform: str, mode: str) -> None:
        """``sync <store> (<platform>): started (<mode>)``."""
        self._orders[store] = 0
        self._say(f"sync {store} ({platform}): started ({mode})")

    def page(self, store: str, orders: int, changed: int) -> None:
        """``sync <store>: a page of <n> orders (<changed> changed), <total> so far``; pages
        that read no order, one line for :attr:`EMPTY_PAGES_A_LINE` of them."""
        self._orders[store] = self._orders.get(store, 0) + orders
        if orders == 0 and changed == 0:
            empty = self._empty[store] = self._empty.get(store, 0) + 1
            if empty % self.EMPTY_PAGES_A_LINE == 0:
                self._say(
                    f"sync {store}: {empty} pages with no order to read, "
                    f"{self._orders[store]} so far"
                )
            return
        read = "1 order" if orders == 1 else f"{orders} orders"
        self._say(
            f"sync {store}: a page of {read} ({changed} changed), {self._orders[store]} so far"
        )

    def finished(self, result: StoreResult) -> None:
        """One line with the outcome."""
        self._say(f"sync {result.store}: {result.describe()}")

    def close(self) -> None:
        """Nothing to tear down."""


class RichProgress:
    """One rich progress bar per store (totals are unknown, so bars show counts and speed)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars: RichBars = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[store]}"),
            TextColumn("{task.fields[platform]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("orders"),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=Console(file=stream or sys.stderr),
        )
        self._tasks: dict[str, TaskID] = {}
        self._drawing = False

    def _draw(self) -> None:
        # from the first event, not on creation: no redrawing thread before the sync starts
        # (a sync over several processes forks them first)
        if not self._drawing:
            self._drawing = True
            self._bars.start()

    def started(self, store: str, platform: str, mode: str) -> None:
        """Add the store's bar."""
        self._draw()
        self._tasks[store] = self._bars.add_task(
            store, total=None, store=store, platform=platform, note=mode
        )

    def page(self, store: str, orders: int, changed: int) -> None:
        """Advance the store's bar."""
        self._draw()
        self._bars.update(self._tasks[store], advance=orders)

    def finished(self, result: StoreResult) -> None:
        """Complete the store's bar with its outcome."""
        self._draw()
        task = self._tasks.get(result.store)
        if task is None:
            task = self._tasks[result.store] = self._bars.add_task(
                result.store, store=result.store, platform=result.platform, note=""
            )
        done = self._bars.tasks[self._tasks[result.store]].completed
        note = "[green]done" if result.ok else f"[red]failed: {result.error}"
        self._bars.update(task, total=max(done, 1), completed=done, note=note)

    def close(self) -> None:
        """Stop redrawing."""
        if self._drawing:
            self._bars.stop()


def auto_progress(stream: TextIO | None = None) -> Progress:
    """Rich bars when ``stream`` (stderr by default) is a terminal, plain lines otherwise."""
    target = stream or sys.stderr
    if target.isatty():
        return RichProgress(target)
    return LogProgress(target)

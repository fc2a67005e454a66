"""Where results go, and in which form: rich tables on a terminal, JSON Lines otherwise.

Every JSON document is one line of stdout (a list streams one object per line), and every Decimal
in it an exact string (``{"amount": "12.50", "currency": "USD"}``), never a float. With
``--fields``, results show only those keys (JSON) or columns (one table). Results go to stdout;
warnings, notes and progress to stderr. What a table shows is in :mod:`.output` (the renderers).
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel
from rich.console import Console

from .. import jsonutil
from .fields import pick
from .output import records_table

__all__ = ["Output", "json_text", "to_data", "wrapped"]

T = TypeVar("T")


def to_data(value: Any) -> Any:
    """JSON-ready data: models dumped in JSON mode, every Decimal an exact string (``"12.50"``),
    raw platform payloads left out."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: to_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def json_text(value: Any) -> str:
    """One line of machine output: JSON, every Decimal an exact string."""
    return jsonutil.dumps(to_data(value))


def wrapped(text: str, width: int | None = None, *, stream: TextIO | None = None) -> str:
    """A long plain line (a store's sync result, an error) broken between words, continuation
    lines indented: at ``width``, else at the terminal's width when ``stream`` (stdout by
    default) is one (a terminal breaks it mid-word), else as is (a file or pipe keeps one line
    per result). Each line of a text of several is broken on its own."""
    if width is None:
        if not (stream or sys.stdout).isatty():
            return text
        width = shutil.get_terminal_size().columns
    return "\n".join(
        textwrap.fill(
            line,
            width=width,
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for line in text.split("\n")
    )


class Output:
    """Where results go, and in which form (tables when ``tables``, else JSON)."""

    def __init__(
        self,
        *,
        json_mode: bool = False,
        table_mode: bool = False,
        fields: Sequence[str] | None = None,
    ) -> None:
        self.console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
        self.err = Console(file=sys.stderr, highlight=False, soft_wrap=True)
        #: ``--fields``: the keys or columns results show (None: the command's own).
        self.fields = tuple(fields) if fields is not None else None
        if table_mode:
            self.tables = True
            if not self.console.is_terminal:  # tables into a file or pipe: no wrapping at 80
                self.console.width = 160
        elif json_mode:
            self.tables = False
        else:
            self.tables = self.console.is_terminal

    # --- plain lines ------------------------------------------------------------------------
    def note(self, text: str) -> None:
        """A remark for the person at the terminal (stderr, never mixed into JSON)."""
        self.err.print(text, markup=False)

    def warn(self, text: str) -> None:
        """A warning line on stderr."""
        self.err.print(f"warning: {text}", markup=False, style="yellow")

    # --- results ----------------------------------------------------------------------------
    def json_line(self, value: Any) -> None:
        """One JSON document on one line of stdout."""
        self.console.file.write(json_text(value) + "\n")
        self.console.file.flush()

    def item(self, value: T, render: Callable[[T], Any]) -> None:
        """One result: rendered as table(s) on a terminal, one JSON document otherwise."""
        if self.fields is not None:
            self._chosen([value])
        elif self.tables:
            self._print(render(value))
        else:
            self.json_line(value)

    def items(self, values: Iterable[T], render: Callable[[list[T]], Any]) -> int:
        """A list: one table on a terminal, JSON Lines otherwise (streamed as they come)."""
        if self.fields is not None:
            return self._chosen(values)
        if self.tables:
            collected = list(values)
            self._print(render(collected))
            return len(collected)
        return self._lines(values)

    def _chosen(self, values: Iterable[Any]) -> int:
        """Results with only the ``--fields`` keys: one table of them, or JSON Lines."""
        fields = self.fields or ()
        picked = (pick(to_data(value), fields) for value in values)
        if not self.tables:
            return self._lines(picked)
        collected = list(picked)
        amounts = {
            name
            for record in collected
            for name, value in record.items()
            if isinstance(value, dict) and {"amount", "currency"} <= value.keys()
        }
        self._print(records_table("", fields, keys=amounts)(collected))
        return len(collected)

    def _print(self, rendered: Any) -> None:
        for part in rendered if isinstance(rendered, list) else [rendered]:
            self.console.print(part)

    def _lines(self, values: Iterable[Any]) -> int:
        count = 0
        for value in values:
            self.json_line(value)
            count += 1
        return count

"""Arguments and options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = [
    "FoArg",
    "LinesOpt",
    "NoteOpt",
    "NotifyOpt",
    "OrderArg",
    "ReturnArg",
    "StoreArg",
    "YesOpt",
]

StoreArg = Annotated[
    str, typer.Argument(help="Store name from the config (see `unified-orders stores list`).")
]
OrderArg = Annotated[str, typer.Argument(help="Order id (as the platform spells it).")]
ReturnArg = Annotated[str, typer.Argument(help="Return id.")]
FoArg = Annotated[str, typer.Argument(help="Fulfillment order id.")]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Do it without asking (needed when not on a terminal).")
]
NotifyOpt = Annotated[
    bool, typer.Option("--notify", help="Notify the customer (off unless given).")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with the change.")]
LinesOpt = Annotated[
    list[str] | None,
    typer.Option("--line", help="FULFILLMENT_ORDER_LINE_ID:QTY (repeat; default: all lines)."),
]

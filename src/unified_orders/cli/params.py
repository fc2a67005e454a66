"""Arguments and options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from .completion import store_names

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
    str,
    typer.Argument(
        help="Store name from the config (see `unified-orders stores list`).",
        autocompletion=store_names,
    ),
]
OrderArg = Annotated[
    str,
    typer.Argument(
        help="The order: its number as the shop shows it (#1001, 10001; a leading # is always "
        "a number), its id, or its Shopify GID (gid://shopify/Order/N). An id-shaped value is "
        "tried as an id first."
    ),
]
ReturnArg = Annotated[
    str, typer.Argument(help="Return id (on Shopify also gid://shopify/Return/N).")
]
FoArg = Annotated[
    str,
    typer.Argument(help="Fulfillment order id (on Shopify also gid://shopify/FulfillmentOrder/N)."),
]
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

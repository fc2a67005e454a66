"""``orders get|list|cancel|set-address``."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import Annotated, Any

import typer

from ..adapter import CancelOptions, CancelRestock
from ..models import Address, Order
from .cancel_preview import CancelPreview, cancel_preview
from .completion import cancel_reasons
from .output import fields_table, order_tables, orders_table
from .params import NotifyOpt, OrderArg, StoreArg, YesOpt
from .session import session_of

__all__ = ["orders"]

orders = typer.Typer(
    help="Read, list, cancel orders and change shipping addresses.", no_args_is_help=True
)


class StatusChoice(StrEnum):
    """The order statuses ``orders list --status`` takes."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"


#: What a filter is called on the command line.
_FLAGS = {"number": "--number", "email": "--email", "status": "--status"}


@orders.command("get")
def get(ctx: typer.Context, store: StoreArg, order: OrderArg) -> None:
    """Show one order (by number, id or GID): lines (with refundable units), transactions,
    refunds."""
    session = session_of(ctx)
    result = session.store(store).orders.get(order)
    session.output.item(result, order_tables)


@orders.command("list")
def list_orders(
    ctx: typer.Context,
    store: StoreArg,
    created_since: Annotated[
        datetime | None, typer.Option(help="Only orders created at or after this time.")
    ] = None,
    updated_since: Annotated[
        datetime | None, typer.Option(help="Only orders updated at or after this time.")
    ] = None,
    number: Annotated[
        str | None,
        typer.Option(help="Only the order with this number as the shop shows it (#1001, 10001)."),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Only orders of this customer email (any case).")
    ] = None,
    status: Annotated[
        StatusChoice | None, typer.Option(help="Only orders with this status.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many orders (default: all pages).")
    ] = None,
) -> None:
    """List orders, following every page (JSON Lines when piped); filter by number, email,
    status or time."""
    session = session_of(ctx)
    target = session.store(store)
    given = {"number": number, "email": email, "status": status}
    scanned = [
        _FLAGS[name]
        for name, value in given.items()
        if value is not None and name not in target.adapter.order_filters
    ]
    if scanned:
        session.output.note(
            f"{target.platform} cannot filter by {', '.join(scanned)}: every order is read and "
            "checked here, which takes longer on a large store"
        )
    found = target.orders.list(
        created_since=created_since,
        updated_since=updated_since,
        number=number,
        email=email,
        status=status.value if status is not None else None,
    )
    # a limit beyond any listing is no limit (islice takes at most sys.maxsize)
    stop = limit if limit is None or limit <= sys.maxsize else None
    session.output.items(islice(found, stop), orders_table)


def _cancel_effect(order: Order, options: CancelOptions, rule: CancelRestock) -> CancelPreview:
    """What the cancel will do: captured money refunded or kept, authorized money voided, and
    stock as the platform's cancel handles it (``rule``)."""
    return cancel_preview(order, options, rule)


@orders.command("cancel")
def cancel(
    ctx: typer.Context,
    store: StoreArg,
    order: OrderArg,
    reason: Annotated[
        str,
        typer.Option(
            help="Why (customer, fraud, inventory, declined, staff, other).",
            autocompletion=cancel_reasons,
        ),
    ] = "other",
    refund: Annotated[bool, typer.Option("--refund", help="Refund the payments too.")] = False,
    restock: Annotated[
        bool, typer.Option("--restock", help="Put the items back in stock.")
    ] = False,
    notify: NotifyOpt = False,
    yes: YesOpt = False,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Key for exactly-once (default: a fresh one).")
    ] = None,
) -> None:
    """Cancel an order: shows the effect, then asks (or needs --yes)."""
    session = session_of(ctx)
    out = session.output
    target = session.store(store)
    current = target.orders.get(order)
    effect = _cancel_effect(
        current, CancelOptions(reason, refund, restock, notify), target.adapter.cancel_restock
    )
    if out.tables:
        out.item(current, order_tables)
        out.console.print(fields_table("Effect", effect.rows()))
    elif not yes:
        out.json_line(effect.data())
    session.confirm(
        f"Cancel order {current.number or current.id} on {store}?",
        yes=yes,
        what=f"cancelling order {current.id}",
    )
    result = target.orders.cancel(
        order,
        reason=reason,
        refund=refund,
        restock=restock,
        notify=notify,
        idempotency_key=idempotency_key,
    )
    out.item(result, order_tables)


@orders.command("set-address")
def set_address(
    ctx: typer.Context,
    store: StoreArg,
    order: OrderArg,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    company: Annotated[str | None, typer.Option()] = None,
    line1: Annotated[str | None, typer.Option()] = None,
    line2: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    province_code: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    country_code: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Send only the given fields (default: change them, keep the rest)."
        ),
    ] = False,
) -> None:
    """Change the shipping address: the given fields change, the others are kept (a new
    --country-code without --province-code clears the province)."""
    session = session_of(ctx)
    target = session.store(store)
    given = {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "line1": line1,
        "line2": line2,
        "city": city,
        "province_code": province_code,
        "postal_code": postal_code,
        "country_code": country_code,
        "phone": phone,
    }
    changes: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise typer.BadParameter("give at least one address field, e.g. --postal-code 10115")
    current = target.orders.get(order)
    old = current.shipping_address
    base = {} if replace or old is None else old.model_dump()
    moved = country_code is not None and (old is None or _country(old) != _country(changes))
    if moved and province_code is None:
        # a province belongs to its country: a new country without one clears the old one
        changes["province_code"] = None
    address = Address.model_validate({**base, **changes})
    result = target.orders.update_shipping_address(current, address)
    session.output.item(result, order_tables)


def _country(address: Address | dict[str, Any]) -> str:
    code = address.get("country_code") if isinstance(address, dict) else address.country_code
    return (code or "").strip().upper()

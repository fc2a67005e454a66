"""``orders get|list|cancel|set-address``."""

from __future__ import annotations

import sys
from datetime import datetime
from itertools import islice
from typing import Annotated, Any

import typer

from ..models import Address, Order
from .output import fields_table, money, order_tables, orders_table
from .params import NotifyOpt, OrderArg, StoreArg, YesOpt
from .session import session_of

__all__ = ["orders"]

orders = typer.Typer(
    help="Read, list, cancel orders and change shipping addresses.", no_args_is_help=True
)


@orders.command("get")
def get(ctx: typer.Context, store: StoreArg, order: OrderArg) -> None:
    """Show one order: lines (with refundable units), transactions, refunds."""
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
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many orders (default: all pages).")
    ] = None,
) -> None:
    """List orders, following every page (JSON Lines when piped)."""
    session = session_of(ctx)
    found = session.store(store).orders.list(
        created_since=created_since, updated_since=updated_since
    )
    # a limit beyond any listing is no limit (islice takes at most sys.maxsize)
    stop = limit if limit is None or limit <= sys.maxsize else None
    session.output.items(islice(found, stop), orders_table)


def _cancel_effect(order: Order, reason: str, refund: bool, restock: bool, notify: bool) -> Any:
    return {
        "action": "orders.cancel",
        "order_id": order.id,
        "number": order.number,
        "status": order.status.value,
        "total": order.total,
        "reason": reason,
        "refund": refund,
        "restock": restock,
        "notify": notify,
    }


@orders.command("cancel")
def cancel(
    ctx: typer.Context,
    store: StoreArg,
    order: OrderArg,
    reason: Annotated[
        str, typer.Option(help="Why (customer, fraud, inventory, declined, staff, other).")
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
    effect = _cancel_effect(current, reason, refund, restock, notify)
    if out.tables:
        yes_no = {True: "yes", False: "no"}
        out.item(current, order_tables)
        out.console.print(
            fields_table(
                "Effect",
                [
                    ("cancel order", current.number or current.id),
                    ("reason", reason),
                    (
                        "refund payments",
                        yes_no[refund] + (f" (total {money(current.total)})" if refund else ""),
                    ),
                    ("restock items", yes_no[restock]),
                    ("notify customer", yes_no[notify]),
                ],
            )
        )
    elif not yes:
        out.json_line(effect)
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
    """Change the shipping address: the given fields change, the others are kept."""
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
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise typer.BadParameter("give at least one address field, e.g. --postal-code 10115")
    current = target.orders.get(order)
    base = (
        {} if replace or current.shipping_address is None else current.shipping_address.model_dump()
    )
    address = Address.model_validate({**base, **changes})
    result = target.orders.update_shipping_address(current, address)
    session.output.item(result, order_tables)

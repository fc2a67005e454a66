"""``--fields a,b,c``: the keys (JSON) or columns (tables) of a command's results, in that order.

Field names are the JSON keys, the same for tables and JSON. Each command's fields are known
before it runs, so a typo is a usage error (exit 2) listing the valid fields, before any request:
a refund is never sent by a command whose output would then fail.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import Any

from ..errors import Problem
from .errors import CliError, ExitCode

__all__ = [
    "SHOWN",
    "check_fields",
    "fields_of",
    "parse_fields",
    "pick",
    "pick_rows",
    "valid_fields",
]

_MODELS = "unified_orders.models"
ORDER = f"{_MODELS}:Order"
REFUND = f"{_MODELS}:Refund"
RETURN = f"{_MODELS}:Return"
FULFILLMENT_ORDER = f"{_MODELS}:FulfillmentOrder"

#: What each command's results hold, by command path: a model (``module:Class``, its JSON keys),
#: the keys of its records, ``None`` when they depend on the arguments (checked against the
#: results), or ``()`` for a command that prints no records (``--fields`` is refused there).
SHOWN: dict[str, str | tuple[str, ...] | None] = {
    "stores list": ("name", "platform", "sandbox", "source", "settings"),
    "stores check": ("store", "platform", "ok", "order", "detail"),
    "sandbox reset": ("store", "reset"),
    "sandbox serve": ("url", "stores"),
    "coverage": ("capability", "platforms"),
    "migrate": ("source", "target", "dry_run", "counts", "orders"),
    "orders get": ORDER,
    "orders list": ORDER,
    "orders cancel": ORDER,
    "orders set-address": ORDER,
    "refunds calculate": f"{_MODELS}:RefundCalculation",
    "refunds create": REFUND,
    "refunds list": REFUND,
    "refunds get": REFUND,
    "returns create": RETURN,
    "returns get": RETURN,
    "returns list": RETURN,
    "returns approve": RETURN,
    "returns decline": RETURN,
    "returns close": RETURN,
    "returns cancel": RETURN,
    "returns reopen": RETURN,
    "returns add-items": RETURN,
    "returns calculate": f"{_MODELS}:RefundCalculation",
    #: a return and its refund, each with its own fields
    "returns process": None,
    "fulfillments list": FULFILLMENT_ORDER,
    "fulfillments hold": FULFILLMENT_ORDER,
    "fulfillments release": FULFILLMENT_ORDER,
    "fulfillments request": FULFILLMENT_ORDER,
    "fulfillments cancel-request": FULFILLMENT_ORDER,
    "fulfillments move": FULFILLMENT_ORDER,
    "fulfillments cancel": FULFILLMENT_ORDER,
    "fulfillments ship": f"{_MODELS}:Fulfillment",
    "fulfillments track": f"{_MODELS}:Fulfillment",
    "fulfillments locations": f"{_MODELS}:Location",
    "sync": ("db_path", "ok", "seconds", "stores"),
    "report": None,
    "export": ("table", "format", "path"),
    "completion": (),
    "worker": (),
    "webhooks serve": ("url", "stores"),
    "webhooks subscribe": "unified_orders.webhooks.subscriptions:WebhookSubscription",
    "webhooks list": "unified_orders.webhooks.subscriptions:WebhookSubscription",
    "webhooks unsubscribe": ("store", "id", "unsubscribed"),
}


def parse_fields(text: str | None) -> tuple[str, ...] | None:
    """``"id, total"`` -> ``("id", "total")``; None (or nothing given) -> None."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise CliError(
            "--fields needs at least one field name, e.g. --fields id,total", ExitCode.USAGE
        )
    return names


def _model_fields(spec: str) -> tuple[str, ...]:
    module, _, name = spec.partition(":")
    model = getattr(import_module(module), name)
    shown = [key for key, info in model.model_fields.items() if not info.exclude]
    return (*shown, *model.model_computed_fields)


def valid_fields(command: str) -> tuple[str, ...] | None:
    """The fields a command's results hold (None: they depend on its arguments)."""
    if command not in SHOWN:
        return ()
    spec = SHOWN[command]
    if isinstance(spec, str):
        return _model_fields(spec)
    return spec


def check_fields(fields: Sequence[str], valid: Sequence[str], command: str) -> None:
    """Exit 2 naming each unknown field, its likely intended name, and the valid ones."""
    if not valid:
        raise CliError(
            f"--fields does not apply to `{command}`: it prints no records", ExitCode.USAGE
        )
    unknown = [name for name in fields if name not in valid]
    if not unknown:
        return
    guesses = []
    for name in unknown:
        close = difflib.get_close_matches(name, valid, n=1)
        guesses.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    plural = "s" if len(unknown) > 1 else ""
    raise CliError(
        f"unknown field{plural} {', '.join(guesses)} for `{command}`; fields: {', '.join(valid)}",
        ExitCode.USAGE,
        [Problem("--fields", f"unknown field {guess}") for guess in guesses],
    )


def pick(record: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The record with only ``fields``, in their order (a field it lacks is null)."""
    return {name: record.get(name) for name in fields}


def fields_of(ctx: Any, command: str) -> tuple[str, ...] | None:
    """The ``--fields`` the root command was given, checked against ``command``'s fields; for the
    commands that run without the CLI session too (``sync``, ``report``, ``export``)."""
    fields: tuple[str, ...] | None = getattr(ctx.find_root().obj, "fields", None)
    if fields is not None:
        valid = valid_fields(command)
        if valid is not None:
            check_fields(fields, valid, command)
    return fields


def pick_rows(
    rows: Sequence[Mapping[str, Any]], fields: Sequence[str] | None, command: str
) -> list[dict[str, Any]]:
    """Rows whose keys depend on the arguments (``report``), with only ``fields`` (checked against
    the rows' own keys); all of each row without ``--fields``."""
    if fields is None:
        return [dict(row) for row in rows]
    if rows:
        check_fields(fields, list(rows[0]), command)
    return [pick(row, fields) for row in rows]

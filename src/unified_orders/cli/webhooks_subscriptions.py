"""``webhooks subscribe|list|unsubscribe``: the platform subscriptions that send deliveries.

Mounted into the ``webhooks`` group by :func:`mount` (see :mod:`.cmd_webhooks`). Where the
platform cannot subscribe through its API (Shopware: webhooks need an installed app) the command
exits 5 (unsupported) with the hint. Next Commerce signs with the webhook's own secret, read
from ``$UNIFIED_ORDERS_WEBHOOK_SECRET_<STORE>``, the variable ``webhooks serve`` verifies with
(or the one ``--secret-env`` names: secrets never go on the command line).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .params import StoreArg
from .session import session_of

if TYPE_CHECKING:
    from ..webhooks.subscriptions import WebhookSubscription

__all__ = ["mount", "subscriptions_table"]

UrlOpt = Annotated[
    str,
    typer.Option(
        "--url",
        metavar="URL",
        help="Where the platform delivers (e.g. https://hooks.example.com/webhooks/STORE).",
    ),
]
TopicOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--topic",
        "-t",
        metavar="TOPIC",
        help="A canonical event type (refund.created, order.updated, ...) or the platform's "
        "own event name; repeat for several (default: every event type the platform maps).",
    ),
]
SecretEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--secret-env",
        metavar="NAME",
        help="The environment variable holding the signing secret to set on the subscription "
        "(Next Commerce only; default UNIFIED_ORDERS_WEBHOOK_SECRET_<STORE>, the one "
        "`webhooks serve` verifies with; Shopify signs with the app secret).",
    ),
]


def _short_id(ident: str) -> str:
    """A GID's number (``unsubscribe`` takes either): the table keeps room for the topics."""
    return ident.rsplit("/", 1)[-1] if ident.startswith("gid://") else ident


def subscriptions_table(subs: list[WebhookSubscription]) -> Any:
    """The subscriptions as a table that fits the terminal (the URL is cut first)."""
    from .layout import Column, FitTable, Kind

    columns = [
        Column("id", Kind.KEY),
        Column("topics", Kind.TEXT),
        Column("url", Kind.TEXT, 2),
        Column("api version", Kind.WORD, 1),
    ]
    rows = [
        [_short_id(s.id), ", ".join(s.platform_topics), s.url, s.api_version or ""] for s in subs
    ]
    return FitTable(f"Webhook subscriptions ({len(subs)})", columns, rows)


def subscribe(
    ctx: typer.Context,
    store: StoreArg,
    url: UrlOpt,
    topic: TopicOpt = None,
    secret_env: SecretEnvOpt = None,
) -> None:
    """Have the store's platform deliver events to --url (idempotent).

    A topic the URL already gets is not subscribed again. Prints the subscriptions of --url to
    those topics.

    Exit codes: 3 no signing secret (Next Commerce), 4 a bad URL or topic, 5 the platform
    cannot subscribe through its API (Shopware: webhooks need an installed app), 6 the
    platform refused.
    """
    session = session_of(ctx)
    connected = session.store(store)
    secret = None
    if connected.platform == "nextcommerce":
        from .webhooks_serve import secret_variable

        secret_env = secret_env or secret_variable(store)
        secret = os.environ.get(secret_env)
        if not secret:
            from ..errors import ConfigurationError

            raise ConfigurationError(
                f"set ${secret_env} to the signing secret: Next Commerce signs each delivery "
                "with the webhook's own secret, and the receiver verifies with the same one"
            )
    session.output.items(
        connected.webhooks.subscribe(url, topic or None, secret=secret), subscriptions_table
    )


def list_subscriptions(ctx: typer.Context, store: StoreArg) -> None:
    """The store's webhook subscriptions (exit 5 where the platform cannot list them)."""
    session = session_of(ctx)
    session.output.items(session.store(store).webhooks.list(), subscriptions_table)


def unsubscribe(
    ctx: typer.Context,
    store: StoreArg,
    subscription: Annotated[str, typer.Argument(help="The subscription id (from `list`).")],
) -> None:
    """Remove a webhook subscription (exit 4 a malformed id, 5 unsupported, 6 not found)."""
    session = session_of(ctx)
    session.store(store).webhooks.unsubscribe(subscription)
    session.output.item(
        {"store": store, "id": subscription, "unsubscribed": True},
        lambda r: f"unsubscribed {r['id']} from {r['store']}",
    )


def mount(group: typer.Typer) -> None:
    """Add ``subscribe``, ``list`` and ``unsubscribe`` to the ``webhooks`` group."""
    group.command("subscribe")(subscribe)
    group.command("list")(list_subscriptions)
    group.command("unsubscribe")(unsubscribe)

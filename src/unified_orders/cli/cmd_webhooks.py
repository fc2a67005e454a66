"""``webhooks``: receive the platforms' webhook deliveries (``serve``) and manage the
subscriptions that send them (``subscribe``, ``list``, ``unsubscribe``, from
:mod:`.webhooks_subscriptions`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .cmd_sync import DbOpt, resolve_db
from .completion import store_names
from .session import session_of
from .webhooks_subscriptions import mount as mount_subscriptions

__all__ = ["webhooks"]

webhooks = typer.Typer(
    help="Receive webhook deliveries into the database, and manage the stores' subscriptions.",
    no_args_is_help=True,
)

mount_subscriptions(webhooks)  # subscribe, list, unsubscribe (.webhooks_subscriptions)


@webhooks.command("serve")
def serve(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Stores to receive for (default: every configured store with a secret).",
            autocompletion=store_names,
        ),
    ] = None,
    db: DbOpt = None,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    ] = 8766,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on (put a TLS proxy in front for the platforms to reach).",
        ),
    ] = "127.0.0.1",
    max_body: Annotated[
        int,
        typer.Option("--max-body", min=1, help="Largest delivery accepted, in bytes (413 above)."),
    ] = 2 * 1024 * 1024,
    forward_to: Annotated[
        str | None,
        typer.Option(
            "--forward-to",
            metavar="URL",
            help="Also POST each canonical event here, signed with the Standard Webhooks "
            "scheme under $UNIFIED_ORDERS_FORWARD_SECRET (whsec_...).",
        ),
    ] = None,
    log_requests: Annotated[
        bool,
        typer.Option("--log-requests", help="Log one line per request (never bodies)."),
    ] = False,
) -> None:
    """Receive webhook deliveries: verify, keep each once, bring its orders up to date.

    One endpoint per store: POST /webhooks/<store>. Each store's signing secret comes from
    $UNIFIED_ORDERS_WEBHOOK_SECRET_<STORE> (e.g. UNIFIED_ORDERS_WEBHOOK_SECRET_MAIN_SHOP),
    else $UNIFIED_ORDERS_WEBHOOK_SECRET.

    A verified delivery goes into the webhook_inbox table once (retries and duplicates are
    answered and not processed again) and is answered 200 at once; then the orders it names
    are re-read from the store and written as `sync` writes them, so `report refunds` shows a
    refund seconds after it happens.

    Answers: 401 bad or missing signature, 413 body over --max-body, 404 unknown store,
    405 not POST. Logs never hold secrets, header values or bodies.

    A DuckDB file has one writer: this server holds it, so run `sync` into PostgreSQL beside
    it, or stop the server to sync into the file.
    """
    from .webhooks_serve import ReceiverOptions, run_receiver

    options = ReceiverOptions(
        db=resolve_db(ctx, db),
        host=host,
        port=port,
        max_body=max_body,
        forward_url=forward_to,
        log_requests=log_requests,
    )
    run_receiver(session_of(ctx), names, options)

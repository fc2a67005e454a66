"""``webhooks serve``: the configured stores as receiver endpoints, the destination opened, and
uvicorn serving them until Ctrl-C or SIGTERM.

Each store's webhook secret comes from ``$UNIFIED_ORDERS_WEBHOOK_SECRET_<STORE>`` (the store name
upper-cased, anything but letters and digits as ``_``), else ``$UNIFIED_ORDERS_WEBHOOK_SECRET``:
the platform's signing secret (Shopify's app client secret, a Next Commerce subscription's
``secret_key``, a Shopware app's shop secret). A store without one is not served: a receiver
that cannot verify must not accept.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError, UnsupportedOperation
from ..sync.databases import open_destination
from ..sync.destination import target_text
from .errors import CliError, ExitCode
from .session import Session

__all__ = ["ReceiverOptions", "run_receiver", "secret_variable"]

SECRET_ENV_PREFIX = "UNIFIED_ORDERS_WEBHOOK_SECRET_"
#: The secret of every store without its own (what ``webhooks subscribe`` reads by default).
SHARED_SECRET_ENV = "UNIFIED_ORDERS_WEBHOOK_SECRET"
FORWARD_SECRET_ENV = "UNIFIED_ORDERS_FORWARD_SECRET"
INSTALL_HINT = "pip install 'unified-orders[webhooks]'"
#: The packages of the ``webhooks`` extra.
_EXTRA = frozenset({"starlette", "uvicorn", "standardwebhooks"})


def secret_variable(store: str) -> str:
    """The environment variable holding ``store``'s webhook secret."""
    return SECRET_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", store).upper()


@dataclass(frozen=True)
class ReceiverOptions:
    """What ``webhooks serve`` was asked for."""

    db: str | Path
    host: str = "127.0.0.1"
    port: int = 8766
    max_body: int = 2 * 1024 * 1024
    forward_url: str | None = None
    log_requests: bool = False


def run_receiver(session: Session, names: list[str] | None, options: ReceiverOptions) -> None:
    """Serve until Ctrl-C (exit 130) or SIGTERM (exit 0)."""
    try:
        from ..webhooks_server import Endpoint, Forwarder, Receiver, ReceiverServer, bind
    except ImportError as error:
        if (error.name or "").split(".")[0] not in _EXTRA:
            raise
        raise ConfigurationError(
            f"webhooks serve needs {error.name}, which is not installed: {INSTALL_HINT}"
        ) from None
    from ..webhooks import rules

    factories = session.sync_stores(names)
    endpoints: dict[str, Endpoint] = {}
    skipped: list[str] = []
    for name, factory in factories.items():
        platform = session.config.store(name).platform
        try:
            rules(platform)
        except UnsupportedOperation as error:
            session.warn_once(f"store {name!r} not served: {error}")
            continue
        secret = os.environ.get(secret_variable(name)) or os.environ.get(SHARED_SECRET_ENV, "")
        if not secret:
            skipped.append(name)
            continue
        session.secrets.append(secret)
        endpoints[name] = Endpoint(name, platform, secret, factory)
    for name in skipped:
        session.warn_once(
            f"store {name!r} not served: set {secret_variable(name)} (or {SHARED_SECRET_ENV}) "
            "to its signing secret"
        )
    if not endpoints:
        raise ConfigurationError(
            "no store has a webhook secret: set UNIFIED_ORDERS_WEBHOOK_SECRET_<STORE> (e.g. "
            f"{secret_variable(next(iter(factories), 'main'))}) to each store's signing secret"
        )
    forwarder = _forwarder(session, options.forward_url, Forwarder)
    db = open_destination(options.db)
    try:
        sock = bind(options.host, options.port)
    except OSError as error:
        db.close()
        raise CliError(
            f"cannot listen on {options.host}:{options.port}: {error.strerror}", ExitCode.USAGE
        ) from None
    receiver = Receiver(db, endpoints, forwarder=forwarder, max_body=options.max_body)
    server = ReceiverServer(receiver, sock, log_requests=options.log_requests)
    out = session.output
    record = {"url": server.url, "stores": sorted(endpoints)}
    out.item(
        record, lambda _: [f"Receiving webhooks at {server.url} into {target_text(options.db)}"]
    )
    for name in sorted(endpoints):
        out.note(f"  {name}: POST {server.endpoint(name)}")
    out.note(
        "Ctrl-C stops the server after processing what it accepted (up to 10 s; any left "
        "waits in the inbox for the next start)."
    )
    _log_to_stderr(options.log_requests)
    try:
        server.run()
    finally:
        sock.close()
        db.close()


def _forwarder(session: Session, url: str | None, make: Any) -> Any:
    if url is None:
        return None
    secret = os.environ.get(FORWARD_SECRET_ENV, "")
    if not secret:
        raise ConfigurationError(
            f"--forward-to needs {FORWARD_SECRET_ENV}: a Standard Webhooks secret (whsec_...)"
        )
    session.secrets.append(secret)
    return make(url, secret)


def _log_to_stderr(log_requests: bool) -> None:
    """Refusals and failures always; one line per delivery and request with --log-requests."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("unified_orders.webhooks_server", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO if log_requests else logging.WARNING)
        logger.propagate = False

"""How a process talks to ``unified-orders sandbox serve``: addresses, paths and headers.

A store's request ``GET https://acme.myshopify.com/admin/api/2026-04/orders.json?limit=5`` goes to
the server as ``GET http://127.0.0.1:8765/stores/<store>/admin/api/2026-04/orders.json?limit=5``
with the original headers (``Host`` included) and body, plus :data:`PLATFORM_HEADER` naming the
platform the caller expects; the server strips the ``/stores/<store>`` prefix and hands the rest
to that store's emulator, so adapters and emulators see exactly what they see in-process.
``/_sandbox/...`` paths are the server's own (status, reset). Stdlib only: the config imports it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_PORT",
    "ERROR_HEADER",
    "PLATFORM_HEADER",
    "STORES_PREFIX",
    "is_loopback",
    "server_root",
    "split_store_path",
    "store_url",
]

DEFAULT_PORT = 8765
STORES_PREFIX = "/stores/"
CONTROL_PREFIX = "/_sandbox"
#: The platform the caller expects the named store to be (a mismatch is refused, not guessed).
PLATFORM_HEADER = "x-unified-orders-sandbox-platform"
#: Set on the server's own error answers (unknown store, wrong platform), never on an emulator's.
ERROR_HEADER = "x-unified-orders-sandbox-error"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_root(value: object) -> str:
    """The server address ``http://HOST:PORT`` from what a config gives; ``ValueError`` saying
    what is wrong otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a URL such as 'http://127.0.0.1:8765'")
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme != "http":
        raise ValueError("the sandbox server speaks plain http://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError("no host")
    if parts.username or parts.password:
        raise ValueError("no user or password: the sandbox server has no authentication")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("give only http://HOST:PORT: each store is served under its own name")
    if port is None:
        raise ValueError(f"no port (`unified-orders sandbox serve` listens on {DEFAULT_PORT})")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"http://{host}:{port}"


def store_url(root: str, store: str) -> str:
    """Where the server serves one store: ``http://HOST:PORT/stores/<store, quoted>``."""
    return f"{root.rstrip('/')}{STORES_PREFIX}{quote(store, safe='')}"


def split_store_path(raw_path: str) -> tuple[str, str] | None:
    """``(store, platform path)`` from a raw request path under :data:`STORES_PREFIX`, both
    unquoted (as httpx's ``url.path`` is); None for any other path."""
    if not raw_path.startswith(STORES_PREFIX):
        return None
    name, slash, rest = raw_path[len(STORES_PREFIX) :].partition("/")
    if not name:
        return None
    return unquote(name), unquote(slash + rest) or "/"

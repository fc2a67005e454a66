"""Every store's HTTPS client shares one TLS context (httpx builds one per client otherwise,
loading the CA bundle each time)."""

from __future__ import annotations

import unified_orders as uo
from unified_orders.http.tls import shared_context


def _context(store: uo.Store | uo.AsyncStore) -> object:
    transport = store._driver._client._transport  # type: ignore[union-attr]
    return transport._pool._ssl_context


def test_real_stores_share_the_process_tls_context() -> None:
    first = uo.connect("shopify", shop="one.myshopify.com", access_token="shpat_x")
    second = uo.connect_async("shopify", shop="two.myshopify.com", access_token="shpat_y")
    assert _context(first) is _context(second) is shared_context()

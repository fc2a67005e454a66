"""Processes that share a ``sandbox serve`` store share its order locks (issue 17).

The emulator's state lives in the server, so two processes writing to one served order must
take the same lock, as two processes writing to one real store do; an in-process sandbox keeps
a lock of its own (its state is this process's only).
"""

from __future__ import annotations

import unified_orders as uo
from unified_orders.namespaces.base import store_key as _store_key

URL = "http://127.0.0.1:8765/stores/sandbox-shopify"


def test_connections_to_one_served_store_share_its_lock_key() -> None:
    first = uo.connect("shopify", sandbox=True, sandbox_server=URL)
    second = uo.connect("shopify", sandbox=True, sandbox_server=URL)
    assert _store_key(first.adapter) == _store_key(second.adapter)
    other = uo.connect("shopify", sandbox=True, sandbox_server=URL.replace("shopify", "other"))
    assert _store_key(other.adapter) != _store_key(first.adapter)


def test_in_process_sandboxes_keep_a_lock_key_each() -> None:
    first = uo.connect("shopify", sandbox=True)
    second = uo.connect("shopify", sandbox=True)
    assert _store_key(first.adapter) != _store_key(second.adapter)

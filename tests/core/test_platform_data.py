"""No public call raises anything but the library's own errors for platform data.

Every sandbox platform (and dialect) answers through a transport that damages one JSON answer:
one value somewhere in it replaced by something the API does not document (null, a string, a
number, a list, an object, a missing key). Reading and refunding must then either work or raise a
``UnifiedOrdersError``, never a bare ``KeyError``/``TypeError``/``ValueError``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unified_orders as uo
from unified_orders.adapter import Capability
from unified_orders.testing import instrumented_sandbox

DIALECTS: dict[str, list[dict[str, Any]]] = {"shopify": [{"api": "graphql"}, {"api": "rest"}]}
TARGETS = [
    (name, dialect)
    for name, info in uo.adapters().items()
    if info.error is None and Capability.ORDERS_GET in info.capabilities
    for dialect in DIALECTS.get(name, [{}])
]
REPLACEMENTS: list[Any] = [None, "", "x", -1, 1.5, [], {}, "2024-13-45", "NaN", True]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nodes(item, (*path, index))
    return found


def _damage(body: Any, pick: int, replacement: Any) -> Any:
    nodes = _nodes(body)[1:]
    if not nodes:
        return replacement
    path = nodes[pick % len(nodes)]
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    if replacement == "<missing>" and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return body


class Damaging(httpx.BaseTransport):
    """Damages the ``target``-th JSON answer of a 2xx, once."""

    def __init__(self, inner: httpx.BaseTransport, target: int, pick: int, replacement: Any):
        self.inner, self.target, self.pick, self.replacement = inner, target, pick, replacement
        self.seen = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        if not (200 <= response.status_code < 300 and content):
            return response
        self.seen += 1
        if self.seen != self.target:
            return response
        body = _damage(json.loads(content), self.pick, self.replacement)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(
            response.status_code, content=json.dumps(body).encode(), headers=headers
        )


@pytest.mark.skipif(not TARGETS, reason="no adapter with a sandbox is registered")
@pytest.mark.parametrize(
    ("platform", "dialect"),
    TARGETS,
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())) or "default",
)
def test_damaged_platform_data_only_ever_raises_library_errors(
    platform: str, dialect: dict[str, Any]
) -> None:
    probe = uo.connect(platform, sandbox=True, **dialect)
    order_id = next(probe.orders.list()).id

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        target=st.integers(min_value=1, max_value=4),
        pick=st.integers(min_value=0, max_value=10_000),
        replacement=st.sampled_from([*REPLACEMENTS, "<missing>"]),
    )
    def run(target: int, pick: int, replacement: Any) -> None:
        store = instrumented_sandbox(
            platform,
            lambda t: Damaging(t, target, pick, replacement),
            max_attempts=2,
            retry_backoff=0,
            **dialect,
        )
        assert isinstance(store, uo.Store)
        try:
            order = store.orders.get(order_id)
            store.refunds.list(order.id)
            list(store.orders.list())
        except uo.UnifiedOrdersError:
            pass

    run()

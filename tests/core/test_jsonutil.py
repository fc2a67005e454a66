"""``jsonutil.encode`` (the fast compact writer) reads back exactly as ``jsonutil.dumps``."""

from __future__ import annotations

from decimal import Decimal

import pytest

import unified_orders as uo
from unified_orders import jsonutil


@pytest.mark.parametrize("platform", ["nextcommerce", "shopify", "shopware"])
def test_every_demo_payload_reads_back_the_same_from_either_writer(platform: str) -> None:
    store = uo.connect(platform, sandbox=True)
    payloads = [order.raw for order in store.orders.list()]
    assert payloads
    assert all(raw is not None for raw in payloads)
    for raw in payloads:
        fast = jsonutil.loads(jsonutil.encode(raw))
        assert fast == jsonutil.loads(jsonutil.dumps(raw)) == raw
        assert repr(fast) == repr(raw)  # Decimal digits kept: 10.50 stays 10.50


def test_decimals_keep_their_digits_and_non_finite_ones_are_refused() -> None:
    assert jsonutil.encode({"a": Decimal("10.50"), "b": [Decimal("-0.0"), 3]}) == (
        b'{"a":10.50,"b":[-0.0,3]}'
    )
    for bad in (Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(ValueError, match="non-finite"):
            jsonutil.encode({"a": bad})
        with pytest.raises(ValueError, match="cannot write"):
            jsonutil.dumps({"a": bad})


def test_an_unknown_type_is_refused_as_dumps_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serialisable"):
        jsonutil.encode({"a": object()})

"""Which fulfillment orders an app's access scopes hide (``access_scopes``)."""

from __future__ import annotations

import pytest

pytest.importorskip("unified_orders_adapters.shopify")

from unified_orders_adapters.shopify import access_scopes

from unified_orders.errors import PlatformError

BOTH = {
    "read_merchant_managed_fulfillment_orders",
    "read_third_party_fulfillment_orders",
}


def test_an_app_with_both_families_misses_nothing() -> None:
    assert access_scopes.fulfillment_order_gaps(BOTH) == {}
    writes = {scope.replace("read_", "write_") for scope in BOTH}
    assert access_scopes.fulfillment_order_gaps(writes) == {}


def test_each_missing_family_is_named_with_the_scope_to_grant() -> None:
    gaps = access_scopes.fulfillment_order_gaps({"read_orders"})
    assert list(gaps) == [
        "fulfillment orders at the merchant's own locations",
        "fulfillment orders at other fulfillment services' locations",
    ]
    assert "read_merchant_managed_fulfillment_orders" in gaps[next(iter(gaps))]
    only = access_scopes.fulfillment_order_gaps({"write_merchant_managed_fulfillment_orders"})
    assert list(only) == ["fulfillment orders at other fulfillment services' locations"]


def test_the_answer_is_read_for_its_handles_only() -> None:
    data = {
        "currentAppInstallation": {
            "accessScopes": [{"handle": "read_orders"}, {"handle": None}, "junk", {}]
        }
    }
    assert access_scopes.granted(data) == frozenset({"read_orders"})
    for odd in ({"currentAppInstallation": None}, {"currentAppInstallation": []}, {}):
        with pytest.raises(PlatformError):  # unreadable, never "no scopes"
            access_scopes.granted(odd)

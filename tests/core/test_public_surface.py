"""The public names (as httpx guards its own): adding or removing one is a deliberate change."""

from __future__ import annotations

import unified_orders as uo

EXPECTED = sorted(
    [
        "Adapter",
        "AdapterInfo",
        "AdapterSettings",
        "AdapterSpec",
        "Address",
        "AmbiguousWrite",
        "AsyncStore",
        "AuthenticationError",
        "Capability",
        "ConfigurationError",
        "Emulator",
        "Event",
        "EventType",
        "FinancialStatus",
        "Fulfillment",
        "FulfillmentHold",
        "FulfillmentLine",
        "FulfillmentOrder",
        "FulfillmentOrderLine",
        "FulfillmentOrderStatus",
        "FulfillmentShipmentStatus",
        "FulfillmentStatus",
        "HoldReason",
        "IllegalTransition",
        "InvalidRequest",
        "LineItem",
        "Location",
        "Money",
        "NotFound",
        "Op",
        "Order",
        "OrderQuery",
        "OrderStatus",
        "Page",
        "PlatformError",
        "Problem",
        "RateLimited",
        "Refund",
        "RefundAdjustment",
        "RefundCalculation",
        "RefundFailed",
        "RefundLine",
        "RefundLineRequest",
        "RefundRequest",
        "RefundShipping",
        "RefundStatus",
        "RefundTransaction",
        "Request",
        "Response",
        "Restock",
        "RestockPolicy",
        "Return",
        "ReturnAction",
        "ReturnLine",
        "ReturnLineRequest",
        "ReturnLineStatus",
        "ReturnRequest",
        "ReturnStatus",
        "ShippingRefund",
        "Store",
        "Tracking",
        "Transaction",
        "TransactionAllocation",
        "TransactionKind",
        "TransactionStatus",
        "UnifiedOrdersError",
        "UnsupportedOperation",
        "WebhookSignatureError",
        "adapters",
        "connect",
        "connect_async",
        "hookimpl",
    ]
)


def test_all_is_exactly_the_public_surface() -> None:
    assert sorted(uo.__all__) == EXPECTED


def test_every_public_name_exists() -> None:
    for name in uo.__all__:
        assert hasattr(uo, name), name


def test_design_names_are_present() -> None:
    design = [
        "Money", "Order", "LineItem", "Address", "Transaction", "RefundRequest",
        "RefundLineRequest", "ShippingRefund", "Restock", "RefundCalculation",
        "TransactionAllocation", "Refund", "ReturnRequest", "ReturnLineRequest", "Return",
        "ReturnStatus", "FulfillmentOrder", "FulfillmentOrderLine", "HoldReason", "Location",
        "UnifiedOrdersError", "ConfigurationError", "UnsupportedOperation", "InvalidRequest",
        "PlatformError", "AuthenticationError", "NotFound", "IllegalTransition", "RateLimited",
        "AmbiguousWrite", "RefundFailed", "Capability", "connect", "connect_async", "adapters",
    ]  # fmt: skip
    assert set(design) <= set(uo.__all__)


def test_error_hierarchy_matches_the_design() -> None:
    for cls in (uo.AuthenticationError, uo.NotFound, uo.IllegalTransition, uo.RateLimited):
        assert issubclass(cls, uo.PlatformError)
    for cls in (
        uo.ConfigurationError,
        uo.UnsupportedOperation,
        uo.InvalidRequest,
        uo.PlatformError,
        uo.AmbiguousWrite,
        uo.RefundFailed,
    ):
        assert issubclass(cls, uo.UnifiedOrdersError)

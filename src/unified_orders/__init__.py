"""unified-orders: one canonical interface for post-purchase order work across platforms.

>>> import unified_orders as uo
>>> store = uo.connect("shopify", sandbox=True)
>>> store.refunds.calculate(order_id, uo.RefundRequest(lines=[...]))
"""

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import webhooks as webhooks
    from .adapter import (
        Adapter,
        AdapterSettings,
        AdapterSpec,
        Capability,
        Emulator,
        Op,
        OrderQuery,
        Page,
        Request,
        Response,
        RestockPolicy,
        ReturnAction,
    )
    from .connect import adapters, connect, connect_async
    from .errors import (
        AmbiguousWrite,
        AuthenticationError,
        ConfigurationError,
        IllegalTransition,
        InvalidRequest,
        NotFound,
        PlatformError,
        Problem,
        RateLimited,
        RefundFailed,
        UnifiedOrdersError,
        UnsupportedOperation,
        WebhookSignatureError,
    )
    from .hookspecs import hookimpl
    from .models import (
        Address,
        FinancialStatus,
        Fulfillment,
        FulfillmentHold,
        FulfillmentLine,
        FulfillmentOrder,
        FulfillmentOrderLine,
        FulfillmentOrderStatus,
        FulfillmentShipmentStatus,
        FulfillmentStatus,
        HoldReason,
        LineItem,
        Location,
        Money,
        Order,
        OrderStatus,
        Refund,
        RefundAdjustment,
        RefundCalculation,
        RefundLine,
        RefundLineRequest,
        RefundRequest,
        RefundShipping,
        RefundStatus,
        RefundTransaction,
        Restock,
        Return,
        ReturnLine,
        ReturnLineRequest,
        ReturnLineStatus,
        ReturnRequest,
        ReturnStatus,
        ShippingRefund,
        Tracking,
        Transaction,
        TransactionAllocation,
        TransactionKind,
        TransactionStatus,
    )
    from .plugins import AdapterInfo
    from .store import AsyncStore, Store
    from .webhooks import Event, EventType

__version__ = "0.1.0"

__all__ = [
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

#: The module each public name lives in: imported on first use, so ``import unified_orders`` (and
#: the CLI's ``--help``) does not load pydantic models, the HTTP layer or the adapters up front.
_HOME = {
    "Adapter": "adapter",
    "AdapterInfo": "plugins",
    "adapters": "connect",
    "AdapterSettings": "adapter",
    "AdapterSpec": "adapter",
    "Address": "models",
    "AmbiguousWrite": "errors",
    "AsyncStore": "store",
    "AuthenticationError": "errors",
    "Capability": "adapter",
    "ConfigurationError": "errors",
    "connect": "connect",
    "connect_async": "connect",
    "Emulator": "adapter",
    "Event": "webhooks",
    "EventType": "webhooks",
    "FinancialStatus": "models",
    "Fulfillment": "models",
    "FulfillmentHold": "models",
    "FulfillmentLine": "models",
    "FulfillmentOrder": "models",
    "FulfillmentOrderLine": "models",
    "FulfillmentOrderStatus": "models",
    "FulfillmentShipmentStatus": "models",
    "FulfillmentStatus": "models",
    "HoldReason": "models",
    "hookimpl": "hookspecs",
    "IllegalTransition": "errors",
    "InvalidRequest": "errors",
    "LineItem": "models",
    "Location": "models",
    "Money": "models",
    "NotFound": "errors",
    "Op": "adapter",
    "Order": "models",
    "OrderQuery": "adapter",
    "OrderStatus": "models",
    "Page": "adapter",
    "PlatformError": "errors",
    "Problem": "errors",
    "RateLimited": "errors",
    "Refund": "models",
    "RefundAdjustment": "models",
    "RefundCalculation": "models",
    "RefundFailed": "errors",
    "RefundLine": "models",
    "RefundLineRequest": "models",
    "RefundRequest": "models",
    "RefundShipping": "models",
    "RefundStatus": "models",
    "RefundTransaction": "models",
    "Request": "adapter",
    "Response": "adapter",
    "Restock": "models",
    "RestockPolicy": "adapter",
    "Return": "models",
    "ReturnAction": "adapter",
    "ReturnLine": "models",
    "ReturnLineRequest": "models",
    "ReturnLineStatus": "models",
    "ReturnRequest": "models",
    "ReturnStatus": "models",
    "ShippingRefund": "models",
    "Store": "store",
    "Tracking": "models",
    "Transaction": "models",
    "TransactionAllocation": "models",
    "TransactionKind": "models",
    "TransactionStatus": "models",
    "UnifiedOrdersError": "errors",
    "UnsupportedOperation": "errors",
    "WebhookSignatureError": "errors",
}

#: Public subpackages, imported on first use as well (``uo.webhooks.receive(...)``).
_SUBPACKAGES = frozenset({"webhooks"})


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None and name in _SUBPACKAGES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """This package: ``uo.connect`` stays the function when the ``connect`` module is imported
    (importing a submodule sets it as an attribute of its package, under the same name)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

"""The option records and small enums an adapter operation takes beside canonical models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .models import Restock

__all__ = [
    "CancelOptions",
    "CancelRestock",
    "FulfillmentOptions",
    "OrderChange",
    "OrderCreateOptions",
    "ReadLimits",
    "RefundOptions",
    "ReturnAction",
    "ReturnProcessOptions",
    "SourceMarker",
]


@dataclass(frozen=True)
class OrderChange:
    """An order a platform's change feed names: changed since a time (re-read it), or deleted.

    ``details``: the change is to the order's fulfillment orders or returns alone, which the
    adapter's read of the order does not bring along: the sync reads the order again (even where
    this run already read it) and writes it with them, even where its own rows are as stored.
    """

    order_id: str
    deleted: bool = False
    details: bool = False


@dataclass(frozen=True)
class ReadLimits:
    """What a store's reads leave out for these credentials, which its answers do not say.

    Each entry names what is left out (``"orders placed more than 60 days ago"``) and why, with
    what to grant. ``orders``: orders neither listed nor read, so an order not found may still
    exist (a sync then marks deleted only the orders the platform says were deleted).
    ``details``: details listed only in part (reported where a sync reads details).
    ``hidden_before``: where known, the hidden orders are those placed before this moment.
    """

    orders: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, str] = field(default_factory=dict)
    hidden_before: datetime | None = None

    @staticmethod
    def said(entries: Mapping[str, str]) -> list[str]:
        """Each entry as results and logs say it: ``what (why)``."""
        return [f"{what} ({why})" for what, why in entries.items()]


class CancelRestock(StrEnum):
    """What a platform's order cancel does with stock, whatever ``CancelOptions.restock`` asks."""

    #: restocks exactly when asked (``restock=True``)
    ON_REQUEST = "on_request"
    #: restocks only through the refund the cancel makes: ``restock`` needs ``refund``
    WITH_REFUND = "with_refund"
    #: restocks on every cancel: ``restock=False`` cannot prevent it
    ALWAYS = "always"
    #: no restock switch: ``restock`` is ignored and the platform's own rule decides
    UNCONTROLLED = "uncontrolled"


@dataclass(frozen=True)
class CancelOptions:
    """How to cancel an order."""

    reason: str
    refund: bool = False
    restock: bool = False
    notify: bool = False
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RefundOptions:
    """Extra settings of a refund write."""

    note: str | None = None
    notify: bool = False
    idempotency_key: str | None = None


class ReturnAction(StrEnum):
    """A move in a return's lifecycle."""

    APPROVE = "approve"
    DECLINE = "decline"
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"


@dataclass(frozen=True)
class FulfillmentOptions:
    """Extra settings of a shipment write (``fulfillments.create``)."""

    notify: bool = False
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReturnProcessOptions:
    """How to process a return: refund what it calculates (or not), restock its units (the
    platform's restock type for returned units; None lets the platform decide), notify."""

    refund: bool = True
    restock: Restock | None = None
    notify: bool = False
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SourceMarker:
    """The source order a migrated order was created from. ``value`` travels with the created
    order (Shopify ``sourceIdentifier``, Next Commerce metadata and a tag, Shopware
    ``customFields``) so the target can be searched for it before creating again; ``number`` is
    the source order's number (a platform that can search by order name only narrows by it);
    ``source`` says where the order came from, for people (``nextcommerce:acme:10001``)."""

    value: str
    number: str | None = None
    source: str = ""


@dataclass(frozen=True)
class OrderCreateOptions:
    """Extra settings of an order create (migration): the source marker it carries."""

    marker: SourceMarker | None = None

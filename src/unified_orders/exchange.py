"""The messages between an adapter's operations and the HTTP layer: requests, responses, pages.

An operation (:data:`Op`) is a generator that yields :class:`Request` objects and receives
:class:`Response` objects (see :mod:`unified_orders.adapter`); a listing returns a :class:`Page`.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from .models import FulfillmentOrder, Return

__all__ = ["Op", "OrderDetails", "Page", "Pause", "ReadFailure", "Request", "Response"]

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One HTTP exchange an operation asks for.

    ``url`` is relative to the adapter's base URL (or absolute, for next-page links, which must
    stay on the store's own origin). ``json`` may hold Decimals: they are written as exact JSON
    numbers. ``retry_safe`` says whether a lost response may be retried blindly; by default only
    GET/HEAD/OPTIONS are. ``write`` says whether the request may change the platform (by default
    any other method; GraphQL queries, which are POSTs, say ``write=False``): a write whose 2xx
    answer cannot be read is a lost response, a read's is an error. ``cost`` is the weight charged
    to the rate limiter. Statuses in ``accept`` are handed to the operation instead of being
    raised as errors.
    """

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    cost: int = 1
    retry_safe: bool | None = None
    accept: frozenset[int] = frozenset()
    authenticated: bool = True
    write: bool | None = None

    @property
    def safe_to_retry(self) -> bool:
        """Whether sending this request twice cannot do harm."""
        if self.retry_safe is not None:
            return self.retry_safe
        return self.method.upper() in ("GET", "HEAD", "OPTIONS")

    @property
    def is_write(self) -> bool:
        """Whether this request may change the platform's state."""
        if self.write is not None:
            return self.write
        return self.method.upper() not in ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Pause(Request):
    """Not an exchange: the driver waits ``seconds``, then sends back an empty 204 ``Response``.

    Operations yield it to wait inside their flow (a settle wait before re-reading, a job poll).
    """

    method: str = "PAUSE"
    url: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Response:
    """A platform response: status, lower-cased headers, and the JSON body (floats as Decimal)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str
    url: str = ""

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower())


Op = Generator[Request, Response, T]
"""A sans-I/O operation: yields requests, receives responses, returns a ``T``."""


@dataclass(frozen=True)
class ReadFailure:
    """An object a listing named but that could not be read (``id``, and why)."""

    id: str
    error: str


@dataclass(frozen=True)
class OrderDetails:
    """What a read of an order brought along besides the order: its returns and fulfillment
    orders, each complete, or None when that read did not carry them (the sync asks for them)."""

    returns: list[Return] | None = None
    fulfillment_orders: list[FulfillmentOrder] | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the cursor of the next page (None on the last page).

    ``failures`` are objects the page named that could not be read: one large or malformed order
    never fails a whole listing, and is never dropped without a word either. ``details`` holds,
    by order id, what the listing read along with its orders (see :class:`OrderDetails`), so a
    sync does not ask for it again order by order.
    """

    items: list[T]
    next_cursor: str | None = None
    failures: list[ReadFailure] = field(default_factory=list)
    details: dict[str, OrderDetails] = field(default_factory=dict)

"""Pagination helpers shared by adapters: Link headers, next-URL cursors, page numbers, and
reading the objects of a page one by one without letting one bad object fail the page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from .adapter import Op, ReadFailure
from .errors import AuthenticationError, NotFound, PlatformError, RateLimited

__all__ = [
    "READ_ERRORS",
    "link_header_urls",
    "next_page_number",
    "query_value",
    "read_each",
    "translate_each",
]

T = TypeVar("T")
K = TypeVar("K")

#: What makes one object of a page unreadable without failing the listing: the platform refusing
#: that object (not the store: authentication and throttling still fail the whole read), or data
#: the translator cannot make sense of.
READ_ERRORS = (PlatformError, ValueError, KeyError, TypeError, AttributeError, ArithmeticError)

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";,]+)"?')


def link_header_urls(value: str | None) -> dict[str, str]:
    """``{rel: url}`` from an RFC 8288 Link header (Shopify's ``page_info`` cursors)."""
    if not value:
        return {}
    return {rel.strip(): url for url, rel in _LINK.findall(value)}


def query_value(url: str, name: str) -> str | None:
    """One query parameter of a URL (the ``cursor`` of a next-page link), or None."""
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def next_page_number(page: int, page_size: int, received: int, total: int | None) -> int | None:
    """The next page number for page/limit listings, or None when this page was the last."""
    if received < page_size:
        return None
    if total is not None and page * page_size >= total:
        return None
    return page + 1


def read_each(
    keys: Iterable[K],
    read: Callable[[K], Op[T]],
    name: Callable[[K], str] = str,
    *,
    skip_gone: bool = False,
) -> Op[tuple[list[T], list[ReadFailure]]]:
    """Read each object of a page (``read`` is an operation per key); failures are collected as
    :class:`~unified_orders.adapter.ReadFailure` entries instead of failing the page.
    ``skip_gone``: an object the platform answers it no longer has (404) is left out, as a read
    of many by id leaves out an order that is gone."""
    items: list[T] = []
    failures: list[ReadFailure] = []
    for key in keys:
        try:
            items.append((yield from read(key)))
        except NotFound as error:
            if not skip_gone:
                failures.append(ReadFailure(name(key), f"{type(error).__name__}: {error}"))
        except (AuthenticationError, RateLimited):
            raise
        except READ_ERRORS as error:
            failures.append(ReadFailure(name(key), f"{type(error).__name__}: {error}"))
    return items, failures


def translate_each(
    items: Iterable[K], translate: Callable[[K], T], name: Callable[[K], str]
) -> tuple[list[T], list[ReadFailure]]:
    """Translate each platform object of a page; the ones that fail become ``ReadFailure``."""
    done: list[T] = []
    failures: list[ReadFailure] = []
    for item in items:
        try:
            done.append(translate(item))
        except READ_ERRORS as error:
            failures.append(ReadFailure(name(item), f"{type(error).__name__}: {error}"))
    return done, failures

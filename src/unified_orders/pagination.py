"""Pagination helpers shared by adapters: Link headers, next-URL cursors, page numbers."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

__all__ = ["link_header_urls", "next_page_number", "query_value"]

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

"""Pagination helpers: Link headers, cursors in next URLs, page numbers."""

from __future__ import annotations

from unified_orders.pagination import link_header_urls, next_page_number, query_value

SHOPIFY_LINK = (
    '<https://acme.myshopify.com/admin/api/2026-07/orders.json?limit=250&page_info=abc>; rel="previous", '
    '<https://acme.myshopify.com/admin/api/2026-07/orders.json?limit=250&page_info=def>; rel="next"'
)


def test_link_header_gives_each_relation() -> None:
    urls = link_header_urls(SHOPIFY_LINK)
    assert set(urls) == {"previous", "next"}
    assert query_value(urls["next"], "page_info") == "def"
    assert link_header_urls(None) == {}


def test_cursor_from_a_next_url() -> None:
    url = "https://acme.29next.store/api/admin/orders/?cursor=cD0yMDI0&page_size=100"
    assert query_value(url, "cursor") == "cD0yMDI0"
    assert query_value(url, "missing") is None


def test_page_numbers_stop_at_a_short_or_final_page() -> None:
    assert next_page_number(1, 100, 100, None) == 2
    assert next_page_number(1, 100, 99, None) is None
    assert next_page_number(3, 100, 100, 300) is None

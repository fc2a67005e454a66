"""Streaming a result file from a foreign host (a bulk export's file), line by line.

The file lives on another host than the store (Shopify serves bulk results from a signed cloud
storage URL), so nothing of the store's goes with the request: no credentials, no cookies, no
client headers; the request is built from the URL alone and sent through the store's own httpx
transport (a sandbox answers it in tests). The body is read in chunks and split into lines, so a
file of any size never sits in memory; the URL's query (its signature) never reaches a log line
or an error message.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx

from ..errors import PlatformError

__all__ = ["CHUNK_BYTES", "stream_lines", "where"]

log = logging.getLogger("unified_orders.http")

#: Bytes asked of the network per read.
CHUNK_BYTES = 1 << 16


def where(url: str) -> str:
    """``scheme://host/path`` of ``url``: what may be shown of a signed URL."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}{parsed.path}"


async def stream_lines(
    client: httpx.AsyncClient, url: str, *, platform: str | None = None
) -> AsyncIterator[bytes]:
    """Each line of the file at ``url`` (without its newline; an unterminated last line too).

    Only ``https`` URLs are fetched. An error status or a broken connection is a
    :class:`~unified_orders.errors.PlatformError` naming the file without its query.
    """
    parsed = httpx.URL(url)
    if parsed.scheme != "https" or not parsed.host:
        raise PlatformError(
            f"refusing to download {where(url)}: not an https URL", platform=platform
        )
    # A bare request: client.build_request would merge the client's headers and cookies.
    request = httpx.Request("GET", parsed, headers={"accept": "*/*"})
    try:
        response = await client.send(request, stream=True)
    except httpx.HTTPError as error:
        raise PlatformError(
            f"download of {where(url)} failed: {type(error).__name__}", platform=platform
        ) from None
    try:
        if response.status_code != 200:
            raise PlatformError(
                f"download of {where(url)} answered {response.status_code}",
                status=response.status_code,
                platform=platform,
            )
        pending = b""
        try:
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield line
        except httpx.HTTPError as error:
            raise PlatformError(
                f"download of {where(url)} broke off: {type(error).__name__}", platform=platform
            ) from None
        if pending:
            yield pending
        log.debug("downloaded %s", where(url))
    finally:
        await response.aclose()

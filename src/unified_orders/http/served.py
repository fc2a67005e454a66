"""Talking to a sandbox server (``unified-orders sandbox serve``) over real HTTP.

:class:`ServedStoreTransport` sends a sandbox store's requests to the store's URL on the server
(see :mod:`unified_orders.sandbox.protocol`): the original path, query, headers (``Host``
included) and body travel unchanged under ``/stores/<store>``, so the adapter cannot tell the
server from an in-process emulator. A server that does not answer, or that serves no such store,
is a :class:`~unified_orders.errors.ConfigurationError` saying what to do; a connection lost
after sending stays an httpx error, for the driver's exactly-once rules.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from .. import jsonutil
from ..errors import ConfigurationError
from ..sandbox.protocol import (
    CONTROL_PREFIX,
    ERROR_HEADER,
    PLATFORM_HEADER,
    STORES_PREFIX,
    server_root,
)
from .tls import shared_context

__all__ = ["ServedStoreTransport", "reset_served_stores", "served_status"]


def _split(url: str) -> tuple[str, str]:
    """``(server root, store name)`` from a store's URL on a server; ConfigurationError if not."""
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    name = parts.path[len(STORES_PREFIX) :] if parts.path.startswith(STORES_PREFIX) else ""
    try:
        server_root(root)
    except ValueError as error:
        raise ConfigurationError(f"sandbox_server {url!r}: {error}") from None
    if not name or "/" in name or parts.query or parts.fragment:
        raise ConfigurationError(
            f"sandbox_server {url!r}: expected a store's URL on a sandbox server, "
            f"http://HOST:PORT{STORES_PREFIX}<store>"
        )
    return root, unquote(name)


class ServedStoreTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends every request to one store on a sandbox server (sync and async)."""

    def __init__(self, store_url: str, platform: str) -> None:
        self.root, self.store = _split(store_url)
        self.platform = platform
        self._prefix = store_url[len(self.root) :].rstrip("/")
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncHTTPTransport | None = None

    def _forward(self, request: httpx.Request, content: bytes) -> httpx.Request:
        target = self.root + self._prefix + request.url.raw_path.decode("ascii")
        headers = request.headers.copy()
        headers[PLATFORM_HEADER] = self.platform
        return httpx.Request(
            request.method,
            target,
            headers=headers,
            content=content,
            extensions=request.extensions,
        )

    def _unreachable(self, error: httpx.ConnectError) -> ConfigurationError:
        return ConfigurationError(
            f"no sandbox server answers at {self.root} (store {self.store!r}: {error}); start "
            f"one with `unified-orders sandbox serve --port {urlsplit(self.root).port}`, or "
            "take sandbox_server out of the store's config"
        )

    def _checked(self, response: httpx.Response, body: bytes) -> httpx.Response:
        if response.headers.get(ERROR_HEADER) and response.status_code in (400, 404, 409):
            raise ConfigurationError(f"sandbox server {self.root}: {_message(body)}")
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._sync is None:
            self._sync = httpx.HTTPTransport(verify=shared_context())
        try:
            response = self._sync.handle_request(self._forward(request, request.read()))
        except httpx.ConnectError as error:
            raise self._unreachable(error) from None
        if response.headers.get(ERROR_HEADER):
            return self._checked(response, response.read())
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            self._async = httpx.AsyncHTTPTransport(verify=shared_context())
        forwarded = self._forward(request, await request.aread())
        try:
            response = await self._async.handle_async_request(forwarded)
        except httpx.ConnectError as error:
            raise self._unreachable(error) from None
        if response.headers.get(ERROR_HEADER):
            return self._checked(response, await response.aread())
        return response

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


def _message(body: bytes) -> str:
    try:
        data: Any = jsonutil.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:200]
    return str(data.get("error")) if isinstance(data, dict) else str(data)[:200]


def _control(root: str, method: str, path: str, **params: Any) -> Any:
    """One call to the server's own ``/_sandbox`` paths; ConfigurationError when it fails."""
    try:
        with httpx.Client(
            base_url=root, timeout=10.0, trust_env=False, verify=shared_context()
        ) as client:
            response = client.request(method, CONTROL_PREFIX + path, params=params)
    except httpx.HTTPError as error:
        raise ConfigurationError(f"no sandbox server answers at {root}: {error}") from None
    if response.status_code != 200:
        raise ConfigurationError(f"sandbox server {root}: {_message(response.content)}")
    return jsonutil.loads(response.content)


def served_status(root: str) -> dict[str, Any]:
    """What a sandbox server says about itself: ``{"server", "version", "stores": {name:
    platform}}``."""
    status: dict[str, Any] = _control(root, "GET", "")
    return status


def reset_served_stores(root: str, stores: list[str]) -> list[str]:
    """Ask a sandbox server to give ``stores`` fresh demo data; the stores it reset."""
    done: dict[str, Any] = _control(root, "POST", "/reset", store=stores)
    return [str(name) for name in done.get("reset", [])]

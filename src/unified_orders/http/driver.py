"""The drivers: run an adapter's sans-I/O operations over httpx under the shared rules
(pacing, authentication, retries, lost responses, error mapping, redaction)."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import threading
import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from .. import jsonutil
from ..adapter import Adapter, Op, Pause, Request, Response
from ..errors import PlatformError, RateLimited, ResponseLost, UnifiedOrdersError
from ..ratelimit import reserve_all
from .download import stream_lines
from .tls import shared_context

__all__ = [
    "AsyncDriver",
    "SyncDriver",
    "Transport",
    "redact",
    "redact_error",
    "retry_after_seconds",
]

T = TypeVar("T")
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
log = logging.getLogger("unified_orders.http")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_PAUSED = Response(204, {}, None, "", "")
#: What translating platform data that is not what the API documents raises.
_UNREADABLE_DATA = (
    KeyError,
    TypeError,
    AttributeError,
    ValueError,
    IndexError,
    ArithmeticError,
    RecursionError,
)


class _Retry(Exception):
    """Internal: try again after ``delay`` seconds (None: back off); raise ``final`` when out."""

    def __init__(self, final: UnifiedOrdersError, delay: float | None = None) -> None:
        super().__init__(str(final))
        self.final = final
        self.delay = delay


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret (four characters or longer) in ``text`` with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _redact_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {k: _redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, secrets) for v in value)
    return value


def redact_error(error: BaseException, secrets: list[str]) -> None:
    """Redact secrets from an error and every error chained to it: message arguments, a platform
    error's message, details and problems (a platform may echo a token back)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(_redact_value(a, secrets) for a in current.args)
        if isinstance(current, PlatformError):
            current.message = redact(current.message, secrets)
            current.details = _redact_value(current.details, secrets)
            current.problems = [
                type(p)(redact(p.path, secrets), redact(p.message, secrets))
                for p in current.problems
            ]
        current = current.__cause__ or current.__context__


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class _Session:
    """What the sync and async drivers share: request building, retry rules, error mapping."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.settings = adapter.settings
        self.buckets = adapter.rate_limits() if adapter.settings.pacing else []
        backoff = adapter.settings.retry_backoff
        self._backoff = wait_exponential_jitter(multiplier=backoff, max=10.0, jitter=backoff)

    # -- building ---------------------------------------------------------------------------
    def _http_request(
        self, client: httpx.Client | httpx.AsyncClient, request: Request, auth: Mapping[str, str]
    ) -> httpx.Request:
        headers = {"accept": "application/json", **dict(auth), **dict(request.headers or {})}
        content = None
        if request.json is not None:
            content = jsonutil.encode(request.json)
            headers.setdefault("content-type", "application/json")
        built = client.build_request(
            request.method, request.url, params=request.params, content=content, headers=headers
        )
        if _origin(built.url) != _origin(client.base_url):
            # credentials only ever go to the configured store (a next link or a resumed cursor
            # naming another host is refused, not followed)
            self._fail(
                PlatformError(
                    f"refusing to send credentials to {built.url.scheme}://{built.url.host}: "
                    f"only {client.base_url.scheme}://{client.base_url.host} is this store",
                    platform=self.adapter.platform,
                )
            )
        return built

    def _retrying(self) -> dict[str, Any]:
        return {
            "retry": retry_if_exception_type(_Retry),
            "stop": stop_after_attempt(self.settings.max_attempts)
            | stop_after_delay(self.settings.max_retry_seconds),
            "wait": self._wait,
            "reraise": True,
        }

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retry) and error.delay is not None:
            left = self.settings.max_retry_seconds - (state.seconds_since_start or 0.0)
            if error.delay > left:
                # a Retry-After beyond the retry budget is not waited out: give up now
                raise error
            return error.delay
        return float(self._backoff(state))

    # -- interpreting -------------------------------------------------------------------------
    def _secrets(self) -> list[str]:
        return self.adapter.secrets()

    def _fail(self, error: UnifiedOrdersError) -> NoReturn:
        redact_error(error, self._secrets())
        raise error

    def _on_exception(self, request: Request, exc: httpx.HTTPError) -> NoReturn:
        where = f"{request.method} {request.url}"
        reason = redact(f"{type(exc).__name__}: {exc}", self._secrets())
        log.warning("%s %s failed: %s", self.adapter.platform, where, reason)
        if isinstance(exc, _NOT_SENT) or request.safe_to_retry:
            raise _Retry(PlatformError(f"{where} failed: {reason}", platform=self.adapter.platform))
        raise ResponseLost(f"{where}: the response was lost ({reason})", request=request)

    def _unauthorized(self, raw: httpx.Response) -> _Retry:
        """A 401: the adapter forgets its token and the request is tried once more at once."""
        self.adapter.forget_credentials()
        headers = {k.lower(): v for k, v in raw.headers.items()}
        response = Response(raw.status_code, headers, None, raw.text, str(raw.request.url))
        return _Retry(self._error_for(response), 0.0)

    def _on_response(self, request: Request, raw: httpx.Response, elapsed: float) -> Response:
        body: Any = None
        unreadable: str | None = None
        try:
            text = raw.text
        except (UnicodeDecodeError, LookupError):
            text = raw.content.decode("utf-8", "replace")
        if raw.content:
            try:
                body = jsonutil.loads(raw.content)
            except (ValueError, RecursionError):
                unreadable = "a body that is not JSON (truncated, HTML or too deeply nested)"
            else:
                if body is None:
                    unreadable = "a null body"
        elif raw.status_code in (200, 201):
            unreadable = "an empty body"
        headers = {k.lower(): v for k, v in raw.headers.items()}
        response = Response(raw.status_code, headers, body, text, str(raw.request.url))
        log.debug(
            "%s %s %s -> %s (%.0f ms)",
            self.adapter.platform,
            request.method,
            raw.request.url.path,
            raw.status_code,
            elapsed * 1000,
        )
        try:
            throttle = self.adapter.observe(response)
        except _UNREADABLE_DATA as broken:
            self._unreadable_data(broken, True)
        status = response.status
        platform = self.adapter.platform
        if status == 429 or throttle is not None:
            delay = (
                throttle
                if throttle is not None
                else retry_after_seconds(headers.get("retry-after"))
            )
            final = RateLimited("still throttled after retrying", status=status, platform=platform)
            raise _Retry(final, delay)
        if 200 <= status < 300 and unreadable is not None and status not in request.accept:
            self._unreadable(request, response, unreadable)
        if status in request.accept:
            return response
        if status >= 500:
            error = self._error_for(response)
            if request.safe_to_retry:
                raise _Retry(error)
            raise ResponseLost(
                f"{request.method} {request.url}: server error {status} after sending; "
                "the write may or may not have taken effect",
                request=request,
                response=response,
            )
        if status >= 400:
            self._fail(self._error_for(response))
        return response

    def _error_for(self, response: Response) -> UnifiedOrdersError:
        """The adapter's typed error for an error answer, even when the answer is malformed."""
        try:
            return self.adapter.error_for(response)
        except _UNREADABLE_DATA as error:
            return PlatformError(
                f"error {response.status} with an answer that could not be read "
                f"({type(error).__name__}: {error})",
                status=response.status,
                platform=self.adapter.platform,
            )

    def _unreadable_data(self, error: Exception, answered: bool) -> NoReturn:
        """An operation choked on what the platform answered: a typed error, never a bare one.
        (Before any answer, the error is ours or the caller's: it goes up unchanged.)"""
        if not answered:
            raise error
        self._fail(
            PlatformError(
                "the platform's answer could not be read "
                f"({type(error).__name__}: {error}); the data is not what the API documents",
                platform=self.adapter.platform,
            )
        )

    def _unreadable(self, request: Request, response: Response, what: str) -> NoReturn:
        """A 2xx answer that cannot be read: a lost response for a write (the platform may well
        have applied it), an error for a read (retried first when safe)."""
        where = f"{request.method} {request.url}"
        message = f"{where} answered {response.status} with {what}"
        if request.is_write:
            raise ResponseLost(
                f"{message}; the write may have taken effect", request=request, response=response
            )
        error = PlatformError(message, status=response.status, platform=self.adapter.platform)
        if request.safe_to_retry:
            raise _Retry(error)
        self._fail(error)


class SyncDriver(_Session):
    """Runs operations over a blocking httpx client."""

    def __init__(self, adapter: Adapter, transport: Transport | None = None) -> None:
        super().__init__(adapter)
        sync_transport = transport if isinstance(transport, httpx.BaseTransport) else None
        if transport is not None and sync_transport is None:
            raise TypeError("a sync store needs a sync httpx transport")
        self._client = httpx.Client(
            base_url=adapter.base_url,
            transport=sync_transport,
            timeout=httpx.Timeout(adapter.settings.timeout),
            verify=shared_context() if sync_transport is None else True,
        )
        self._auth_lock = threading.RLock()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def run(self, op: Op[T]) -> T:
        """Drive a sans-I/O operation to its result."""
        answered = False
        try:
            request = next(op)
            while True:
                try:
                    if isinstance(request, Pause):
                        time.sleep(max(request.seconds, 0.0))
                        response = _PAUSED
                    else:
                        response = self.send(request)
                        answered = True
                except UnifiedOrdersError as error:
                    request = op.throw(error)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        except _UNREADABLE_DATA as error:
            self._unreadable_data(error, answered)

    def send(self, request: Request) -> Response:
        """Send one request under the retry, pacing and authentication rules."""
        reauthenticated = False
        try:
            for attempt in Retrying(**self._retrying()):
                with attempt:
                    auth = self._authenticate() if request.authenticated else {}
                    delay = reserve_all(self.buckets, request.cost)
                    if delay > 0:
                        time.sleep(delay)
                    http_request = self._http_request(self._client, request, auth)
                    started = time.monotonic()
                    try:
                        raw = self._client.send(http_request)
                    except httpx.HTTPError as exc:
                        self._on_exception(request, exc)
                    if raw.status_code == 401 and request.authenticated and not reauthenticated:
                        reauthenticated = True
                        raise self._unauthorized(raw)
                    return self._on_response(request, raw, time.monotonic() - started)
        except _Retry as exhausted:
            self._fail(exhausted.final)
        raise AssertionError("unreachable")  # pragma: no cover

    def _authenticate(self) -> Mapping[str, str]:
        with self._auth_lock:
            return self.run(self.adapter.authenticate())


class AsyncDriver(_Session):
    """Runs operations over an asyncio httpx client."""

    def __init__(self, adapter: Adapter, transport: Transport | None = None) -> None:
        super().__init__(adapter)
        async_transport = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
        if transport is not None and async_transport is None:
            raise TypeError("an async store needs an async httpx transport")
        self._client = httpx.AsyncClient(
            base_url=adapter.base_url,
            transport=async_transport,
            timeout=httpx.Timeout(adapter.settings.timeout),
            verify=shared_context() if async_transport is None else True,
        )
        self._auth_lock: asyncio.Lock | None = None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def download_lines(self, url: str) -> AsyncIterator[bytes]:
        """The lines of a file on another host, streamed, with no credentials (:mod:`.download`)."""
        return stream_lines(self._client, url, platform=self.adapter.platform)

    async def run(self, op: Op[T]) -> T:
        """Drive a sans-I/O operation to its result."""
        answered = False
        try:
            request = next(op)
            while True:
                try:
                    if isinstance(request, Pause):
                        await asyncio.sleep(max(request.seconds, 0.0))
                        response = _PAUSED
                    else:
                        response = await self.send(request)
                        answered = True
                except UnifiedOrdersError as error:
                    request = op.throw(error)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        except _UNREADABLE_DATA as error:
            self._unreadable_data(error, answered)

    async def send(self, request: Request) -> Response:
        """Send one request under the retry, pacing and authentication rules."""
        reauthenticated = False
        try:
            async for attempt in AsyncRetrying(**self._retrying()):
                with attempt:
                    auth = await self._authenticate() if request.authenticated else {}
                    delay = reserve_all(self.buckets, request.cost)
                    if delay > 0:
                        await asyncio.sleep(delay)
                    http_request = self._http_request(self._client, request, auth)
                    started = time.monotonic()
                    try:
                        raw = await self._client.send(http_request)
                    except httpx.HTTPError as exc:
                        self._on_exception(request, exc)
                    if raw.status_code == 401 and request.authenticated and not reauthenticated:
                        reauthenticated = True
                        raise self._unauthorized(raw)
                    return self._on_response(request, raw, time.monotonic() - started)
        except _Retry as exhausted:
            self._fail(exhausted.final)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _authenticate(self) -> Mapping[str, str]:
        if self._auth_lock is None:
            self._auth_lock = asyncio.Lock()
        async with self._auth_lock:
            return await self.run(self.adapter.authenticate())

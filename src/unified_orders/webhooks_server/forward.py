"""Forward canonical events to a URL, signed with the Standard Webhooks scheme
(https://www.standardwebhooks.com): headers ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under a ``whsec_`` secret.

The signing is the ``standardwebhooks`` package's (this module is the only one that imports it),
so a receiver verifies with that package or any Standard Webhooks library.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from ..errors import ConfigurationError
from ..webhooks import Event

__all__ = ["Forwarder", "sign"]

log = logging.getLogger("unified_orders.webhooks_server")

#: Attempts per event (a failure after the last is logged, and the event is dropped).
ATTEMPTS = 3
#: Seconds before the second attempt; doubled for each further one.
BACKOFF = 0.5


def sign(secret: str, event_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of ``body`` sent as ``event_id`` at ``timestamp``."""
    signature = _webhook(secret).sign(event_id, timestamp, body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def _webhook(secret: str) -> Webhook:
    try:
        return Webhook(secret)
    except Exception:  # the package raises bare errors for a malformed or empty secret
        raise ConfigurationError(
            "the forwarding secret is not a Standard Webhooks secret (whsec_ and base64)"
        ) from None


class Forwarder:
    """Posts each event, as canonical JSON, to one URL."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        _webhook(secret)  # a bad secret stops the server at start, not at the first event
        self.url = url
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:  # never the secret
        return f"Forwarder({self.url!r})"

    async def forward(self, event: Event) -> bool:
        """Send ``event``; whether the URL answered 2xx within :data:`ATTEMPTS` tries."""
        body = event.model_dump_json()
        delay = BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            headers = sign(self._secret, event.id, datetime.now(UTC), body)
            try:
                answer = await self._client.post(self.url, content=body, headers=headers)
                if answer.is_success:
                    return True
                reason = f"HTTP {answer.status_code}"
            except httpx.HTTPError as error:
                reason = type(error).__name__
            if attempt < ATTEMPTS:
                await asyncio.sleep(delay)
                delay *= 2
        log.warning("forwarding event %s (%s) failed: %s", event.id, event.type, reason)
        return False

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

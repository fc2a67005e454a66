"""Webhook subscriptions on Shopware: not through the Admin API.

Shopware delivers webhooks only to installed apps: the app's manifest declares them
(``<webhooks>``) and each delivery is signed with the secret the app assigned to the shop at
registration. An integration's client id and secret (what this adapter connects with) can
neither subscribe nor receive signed deliveries, so every operation here is refused honestly.
"""

from __future__ import annotations

from collections.abc import Sequence

from unified_orders.errors import Hint, UnsupportedOperation
from unified_orders.exchange import Op
from unified_orders.webhooks.subscriptions import WebhookSubscription

from .platform import PLATFORM

__all__ = ["WEBHOOKS_HINT", "ShopwareSubscriptions"]

_WHY = (
    "Shopware sends webhooks only to an installed app: declare them in the app's manifest "
    "(<webhooks>) and verify shopware-shop-signature with the per-shop secret your app "
    "assigned at registration; integration credentials cannot subscribe. {then}"
)
WEBHOOKS_HINT = Hint(
    _WHY.format(then="Then receive them with uo.webhooks.receive('shopware', ...)."),
    cli=_WHY.format(then="Then receive them with `unified-orders webhooks serve`."),
)


class ShopwareSubscriptions:
    """Refuses every subscription operation with :data:`WEBHOOKS_HINT`."""

    def subscribe(
        self, topics: Sequence[str], url: str, secret: str | None
    ) -> Op[list[WebhookSubscription]]:
        """Refused: see the module docstring."""
        raise UnsupportedOperation(PLATFORM, "webhooks.subscribe", WEBHOOKS_HINT)
        yield  # pragma: no cover - makes this a generator like the other operations

    def list(self) -> Op[list[WebhookSubscription]]:
        """Refused: see the module docstring."""
        raise UnsupportedOperation(PLATFORM, "webhooks.list", WEBHOOKS_HINT)
        yield  # pragma: no cover

    def unsubscribe(self, subscription_id: str) -> Op[None]:
        """Refused: see the module docstring."""
        raise UnsupportedOperation(PLATFORM, "webhooks.unsubscribe", WEBHOOKS_HINT)
        yield  # pragma: no cover

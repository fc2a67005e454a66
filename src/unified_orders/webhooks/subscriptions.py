"""Webhook subscriptions: ask a platform to deliver its events to a URL (``store.webhooks``).

>>> store.webhooks.subscribe("https://hooks.example.com/uo/main", ["refund.created"], secret=...)
>>> store.webhooks.list()
>>> store.webhooks.unsubscribe(subscription_id)

Topics are canonical :class:`~.events.EventType` values (mapped to the platform's own events by
its adapter) or the platform's own event names. An adapter offers subscriptions through a
``webhook_subscriptions()`` method returning :class:`SubscriptionOps`; a platform whose API
cannot subscribe raises :class:`~unified_orders.errors.UnsupportedOperation` with a hint.
Subscribing is idempotent: a topic already delivered to the URL is not subscribed again.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from ..adapter import Capability
from ..errors import InvalidRequest, Problem, UnsupportedOperation
from ..exchange import Op
from ..models.base import CanonicalModel
from .events import EventType

if TYPE_CHECKING:
    from ..adapter import Adapter
    from ..store import AsyncStore, Store

__all__ = [
    "AsyncWebhooks",
    "SubscriptionOps",
    "WebhookSubscription",
    "Webhooks",
    "check_url",
    "platform_topics",
]


class WebhookSubscription(CanonicalModel):
    """One platform subscription: where it delivers, which events, in which API version.

    ``topics`` are the canonical event types it brings (those the platform topics map to);
    ``platform_topics`` the platform's own names.
    """

    id: str
    platform: str
    url: str
    topics: tuple[EventType, ...]
    platform_topics: tuple[str, ...]
    api_version: str | None = None


class SubscriptionOps(Protocol):
    """What an adapter offers for subscriptions (sans-I/O operations)."""

    def subscribe(
        self, topics: Sequence[str], url: str, secret: str | None
    ) -> Op[builtins.list[WebhookSubscription]]:
        """Subscribe ``url`` to ``topics`` (canonical or platform names; empty: all mapped)."""
        ...

    def list(self) -> Op[builtins.list[WebhookSubscription]]:
        """Every subscription of the store (this app's, where the platform scopes them)."""
        ...

    def unsubscribe(self, subscription_id: str) -> Op[None]:
        """Remove one subscription."""
        ...


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL; :class:`InvalidRequest` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest([Problem("url", f"{url!r} is not an http(s) URL")])
    return url.strip()


def platform_topics(
    platform: str,
    topics: Iterable[str],
    mapping: Mapping[EventType, tuple[str, ...]],
    known: Callable[[str], str | None],
) -> builtins.list[str]:
    """The platform topics ``topics`` name, in order, without repeats (all mapped ones when
    empty). ``known`` spells a platform topic the platform's way, or None when it is not one."""
    out: dict[str, None] = {}
    problems: builtins.list[Problem] = []
    given = builtins.list(topics) or [t.value for t in mapping]
    for index, topic in enumerate(given):
        if topic in EventType.__members__.values():
            mapped = mapping.get(EventType(topic), ())
            if not mapped:
                problems.append(Problem(f"topics[{index}]", f"{platform} has no event for {topic}"))
            out.update(dict.fromkeys(mapped))
        elif (spelled := known(topic)) is not None:
            out[spelled] = None
        else:
            problems.append(
                Problem(f"topics[{index}]", f"{topic!r} is neither a canonical event type nor a {platform} event")
            )  # fmt: skip
    if problems:
        raise InvalidRequest(problems)
    return builtins.list(out)


def canonical_topics(
    platform_topics_: Iterable[str], mapping: Mapping[EventType, tuple[str, ...]]
) -> tuple[EventType, ...]:
    """The canonical event types a subscription to ``platform_topics_`` brings."""
    names = set(platform_topics_)
    return tuple(kind for kind, mapped in mapping.items() if names.intersection(mapped))


def _ops(adapter: Adapter, capability: Capability) -> SubscriptionOps:
    """The adapter's operations; refused before any request where the store lacks them."""
    hook = getattr(adapter, "webhook_subscriptions", None)
    if capability not in adapter.capabilities or hook is None:
        raise UnsupportedOperation(adapter.platform, capability.value, adapter.hint(capability))
    ops: SubscriptionOps = hook()
    return ops


def _topics(topics: str | Sequence[str] | None) -> builtins.list[str]:
    if topics is None:
        return []
    return [topics] if isinstance(topics, str) else builtins.list(topics)


class Webhooks:
    """``store.webhooks``: subscribe, list, unsubscribe."""

    def __init__(self, store: Store) -> None:
        self._adapter = store.adapter
        self._run = store.run

    def subscribe(
        self, url: str, topics: str | Sequence[str] | None = None, *, secret: str | None = None
    ) -> builtins.list[WebhookSubscription]:
        """Have the platform deliver ``topics`` (all it maps when None) to ``url``."""
        url = check_url(url)
        return self._run(
            _ops(self._adapter, Capability.WEBHOOKS_SUBSCRIBE).subscribe(
                _topics(topics), url, secret
            )
        )

    def list(self) -> builtins.list[WebhookSubscription]:
        """The store's subscriptions."""
        return self._run(_ops(self._adapter, Capability.WEBHOOKS_LIST).list())

    def unsubscribe(self, subscription_id: str) -> None:
        """Remove a subscription by id."""
        self._run(_ops(self._adapter, Capability.WEBHOOKS_UNSUBSCRIBE).unsubscribe(subscription_id))


class AsyncWebhooks:
    """``astore.webhooks``: the awaitable twin of :class:`Webhooks`."""

    def __init__(self, store: AsyncStore) -> None:
        self._adapter = store.adapter
        self._run: Callable[[Op[Any]], Any] = store.run

    async def subscribe(
        self, url: str, topics: str | Sequence[str] | None = None, *, secret: str | None = None
    ) -> builtins.list[WebhookSubscription]:
        """Have the platform deliver ``topics`` (all it maps when None) to ``url``."""
        url = check_url(url)
        found: builtins.list[WebhookSubscription] = await self._run(
            _ops(self._adapter, Capability.WEBHOOKS_SUBSCRIBE).subscribe(
                _topics(topics), url, secret
            )
        )
        return found

    async def list(self) -> builtins.list[WebhookSubscription]:
        """The store's subscriptions."""
        found: builtins.list[WebhookSubscription] = await self._run(
            _ops(self._adapter, Capability.WEBHOOKS_LIST).list()
        )
        return found

    async def unsubscribe(self, subscription_id: str) -> None:
        """Remove a subscription by id."""
        await self._run(
            _ops(self._adapter, Capability.WEBHOOKS_UNSUBSCRIBE).unsubscribe(subscription_id)
        )

"""Webhooks: verify a platform's delivery on its raw bytes, then normalise it to canonical events.

>>> events = uo.webhooks.receive("shopify", request.headers, raw_body, secret, store="main")

Each adapter's ``webhooks`` module holds its platform's rules (:class:`WebhookRules`); this
package finds them by platform name and applies them in the one safe order: verify, then parse.
"""

from ..errors import WebhookSignatureError
from .delivery import Headers
from .events import Event, EventType
from .receive import delivery_id, receive, route, rules, topic, verify
from .rules import WebhookRules

__all__ = [
    "Event",
    "EventType",
    "Headers",
    "WebhookRules",
    "WebhookSignatureError",
    "delivery_id",
    "receive",
    "route",
    "rules",
    "topic",
    "verify",
]

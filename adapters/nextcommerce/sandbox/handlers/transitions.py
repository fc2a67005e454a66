"""Fulfillment-order transitions as the handlers take them: refuse, apply, touch.

The transitions themselves (what each action needs and leaves) are the platform's rules, in
:data:`~unified_orders_adapters.nextcommerce.rules.FO_TRANSITIONS`.
"""

from __future__ import annotations

from ...rules import FO_TRANSITIONS
from ..state import Json, NextCommerceBackend, detail

__all__ = ["apply_transition", "refuse_unless_allowed", "touch"]


def refuse_unless_allowed(fo: Json, action: str, refusal: str) -> None:
    """A 400 with ``refusal`` unless the fulfillment order's state allows ``action``."""
    if not FO_TRANSITIONS[action].allows(fo["status"], fo["request_status"]):
        raise detail(refusal)


def apply_transition(fo: Json, action: str) -> None:
    """Set the status and request status ``action`` leaves."""
    transition = FO_TRANSITIONS[action]
    if transition.status is not None:
        fo["status"] = transition.status
    if transition.request_status is not None:
        fo["request_status"] = transition.request_status


def touch(backend: NextCommerceBackend, fo: Json) -> None:
    """Stamp the fulfillment order as updated now."""
    fo["updated_at"] = backend.now()

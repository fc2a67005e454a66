"""The marker a migrated order carries, and the checksum that tells a changed source order.

The marker names the source order (platform, store, id) in a form every target can store and
search: ``uo-src-`` and 32 hex digits of a SHA-256 of the three, so it is the same on every run
and from every machine, and no other order's identifier or tag contains it by chance.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..models import Order
from ..options import SourceMarker

__all__ = ["MARKER_PREFIX", "checksum", "marker_for"]

MARKER_PREFIX = "uo-src-"

#: Fields left out of the checksum: the platform's payload and its bookkeeping times change
#: without the order changing.
_VOLATILE = frozenset({"raw", "updated_at"})


def marker_for(platform: str, store: str, order: Order) -> SourceMarker:
    """The marker of ``order`` read from ``store`` (a ``platform`` store)."""
    digest = hashlib.sha256(f"{platform}\0{store}\0{order.id}".encode()).hexdigest()[:32]
    return SourceMarker(
        value=f"{MARKER_PREFIX}{digest}",
        number=order.number,
        source=f"{platform}:{store}:{order.id}",
    )


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in sorted(value.items()) if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def checksum(order: Order) -> str:
    """A SHA-256 of the canonical order (without its raw payload and ``updated_at``): equal on
    re-reads of an unchanged order, different when anything a migration carries changed."""
    text = json.dumps(_stable(order.model_dump(mode="json")), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()

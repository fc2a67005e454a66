"""The capability gate every canonical operation passes first."""

from __future__ import annotations

from ..adapter import (
    Adapter,
    Capability,
)
from ..errors import UnsupportedOperation


def require(adapter: Adapter, capability: Capability) -> None:
    """Refuse, before any request, an operation the store does not support."""
    if capability not in adapter.capabilities:
        raise UnsupportedOperation(adapter.platform, capability.value, adapter.hint(capability))

"""The platform payload kept with each order (``orders.raw``): JSON, zlib-compressed.

Compressed, a payload takes a fifth of the memory and disk that its JSON text does (a Shopware
order with its associations is ~9 kB of JSON), which is what keeps a 100,000-order sync in
bounded memory. ``payload`` also reads the plain JSON text older versions stored.
"""

from __future__ import annotations

import zlib
from typing import Any

from .. import jsonutil

__all__ = ["compress", "payload", "payload_text"]

#: Fast compression: the payloads are written once per change and rarely read.
LEVEL = 1


def compress(raw: Any) -> bytes:
    """``raw`` as compressed JSON (numbers exact, as :func:`jsonutil.encode` writes them)."""
    return zlib.compress(jsonutil.encode(raw), LEVEL)


def payload_text(blob: bytes | None) -> str | None:
    """The JSON text of a stored payload (None stays None)."""
    if blob is None:
        return None
    data = bytes(blob)
    try:
        return zlib.decompress(data).decode()
    except zlib.error:
        return data.decode()  # stored uncompressed by schema version 1


def payload(blob: bytes | None) -> Any:
    """A stored payload, parsed (floats as Decimal)."""
    text = payload_text(blob)
    return None if text is None else jsonutil.loads(text)

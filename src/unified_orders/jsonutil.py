"""JSON with exact numbers: floats read as Decimal, Decimals written as exact JSON numbers.

Parsing goes through msgspec (the one module that imports it): with ``float_hook=Decimal`` it
gives the same values as ``json.loads(parse_float=Decimal)`` at under half the cost, which is
most of the parse time of a sync (bench/README.md, translation). Unlike ``json.loads`` it
refuses the non-JSON literals ``NaN``/``Infinity``; its errors are ``ValueError`` subclasses.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import msgspec

__all__ = ["dumps", "encode", "loads"]

_MARK = f"__uo_decimal_{uuid.uuid4().hex}__"
_MARKED = re.compile(rf'"{_MARK}([-+0-9.eE]+)"')


_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def loads(data: str | bytes) -> Any:
    """Parse JSON; numbers with a fraction or exponent become Decimal, integers stay exact ints."""
    return _DECODER.decode(data)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        return f"{_MARK}{value}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _encode_other(value: Any) -> Any:
    if isinstance(value, date):  # never reached for datetime (msgspec writes it natively)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=_encode_other)


def encode(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes, numbers exact as :func:`dumps` writes them: the fast writer
    for machine-read JSON (stored payloads, emulator answers). ``loads`` of it equals ``loads`` of
    :func:`dumps`; only the spacing differs (and an aware UTC datetime ends in ``Z``)."""
    try:
        return _ENCODER.encode(value)
    except msgspec.EncodeError as error:  # a NaN or infinite Decimal
        raise ValueError(str(error)) from None


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Write JSON; a Decimal is written as a JSON number with exactly its digits (``10.50``)."""
    text = json.dumps(value, default=_default, ensure_ascii=False, indent=indent)
    return _MARKED.sub(r"\1", text)

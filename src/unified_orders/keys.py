"""Idempotency keys: their form, and the marker that carries one inside a platform's note field.

Where a platform has no field of its own for a key (Next Commerce, Shopify REST), a refund's note
carries a short marker, ``[uo:KEY]``, at its end. Translators read it back into
``Refund.idempotency_key`` and strip it from ``Refund.note``, so a re-read finds our write by key
and callers never see the marker.
"""

from __future__ import annotations

import re

from .errors import InvalidRequest, Problem

__all__ = ["KEY_PATTERN", "check_key", "note_with_key", "split_note"]

#: What a key may hold: it travels inside platform fields and headers, so 1-64 safe characters.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_MARKER = re.compile(r"\s*\[uo:(?P<key>[A-Za-z0-9][A-Za-z0-9._:-]{0,63})\]\s*$")


def check_key(key: str | None, field: str = "idempotency_key") -> None:
    """Refuse, before any request, a key that cannot travel to the platform intact."""
    if key is not None and (not isinstance(key, str) or not KEY_PATTERN.match(key)):
        raise InvalidRequest(
            [
                Problem(
                    field,
                    "use 1-64 letters, digits, '.', '_', ':' or '-', starting with one of the first two",
                )
            ]
        )


def note_with_key(note: str | None, key: str) -> str:
    """``note`` with the key marker appended (the marker alone when there is no note)."""
    marker = f"[uo:{key}]"
    return f"{note.rstrip()} {marker}" if note and note.strip() else marker


def split_note(note: str | None) -> tuple[str | None, str | None]:
    """``(note without the marker, key)``; ``(note, None)`` when the note carries no marker."""
    if not note:
        return note, None
    found = _MARKER.search(note)
    if found is None:
        return note, None
    clean = note[: found.start()]
    return (clean or None), found.group("key")

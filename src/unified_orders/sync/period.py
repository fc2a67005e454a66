"""The period a report covers: ``--since`` / ``--until`` values, absolute or relative to now.

Every value is UTC. Accepted:

- a date, ``2026-12-01``: that day's midnight;
- an ISO datetime, ``2026-12-01T09:30``, ``...Z`` or with an offset (without one it is UTC);
- ``today``, ``yesterday``, ``tomorrow``: the midnight that day starts with;
- ``now``, and an amount of time before now: ``90m``, ``12h``, ``7d``, ``2w`` (``7d`` is exactly
  7 x 24 hours before now, not a midnight).

``since`` is inclusive and ``until`` exclusive, so ``--since yesterday --until today`` is the
whole of yesterday.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["describe_period", "is_empty", "moment_text", "parse_moment"]

_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}
_AGO = re.compile(r"(\d{1,6})\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, *, now: datetime) -> date | datetime:
    """The moment ``text`` names (see the module docstring), relative to ``now`` (aware).

    Dates and day words give a :class:`date` (its midnight, UTC); the rest an aware datetime.
    Raises ``ValueError`` with what is accepted when ``text`` is none of them.
    """
    value = text.strip().lower()
    today = now.astimezone(UTC).date()
    if value in _DAYS:
        return today + timedelta(days=_DAYS[value])
    if value == "now":
        return now.astimezone(UTC).replace(microsecond=0)
    ago = _AGO.fullmatch(value)
    if ago:
        amount = timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
        return now.astimezone(UTC).replace(microsecond=0) - amount
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date (YYYY-MM-DD), an ISO datetime, today, yesterday, tomorrow, "
            "now or a time ago such as 7d, 12h, 90m or 2w"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def moment_text(value: date | datetime) -> str:
    """A moment as a report names it: ``2026-12-01``, or ``2026-12-01T09:30:00Z``."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def is_empty(since: date | datetime | None, until: date | datetime | None) -> bool:
    """Whether ``[since, until)`` holds no moment at all."""
    return since is not None and until is not None and _instant(since) >= _instant(until)


def describe_period(since: date | datetime | None, until: date | datetime | None) -> str:
    """``between A and B``, ``since A``, ``before B``, or ``""`` for all time."""
    if since is not None and until is not None:
        return f"between {moment_text(since)} and {moment_text(until)}"
    if since is not None:
        return f"since {moment_text(since)}"
    if until is not None:
        return f"before {moment_text(until)}"
    return ""

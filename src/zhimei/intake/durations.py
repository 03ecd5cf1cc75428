"""Durations and points in time as people type them: ``15m``, ``1h30m``, ``7d``, ``2026-11-20``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from zhimei.errors import InputError
from zhimei.records import utcnow

__all__ = ["parse_duration", "parse_since", "since_instant"]

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_LONGEST = timedelta(days=3650)


def parse_duration(text: str | int) -> timedelta:
    """``90``/``90s``, ``15m``, ``1h30m``, ``7d``, ``2w`` as a timedelta (positive, at most 10 years)."""
    if isinstance(text, int):
        seconds = text
    else:
        value = text.strip().lower()
        if value.isdigit():
            seconds = int(value)
        else:
            parts = _PART.findall(value)
            if not parts or _PART.sub("", value).strip():
                raise InputError(f"{text!r} is not a duration", "write it like 90s, 15m, 1h30m, 7d or 2w")
            seconds = sum(int(n) * _UNITS[unit.lower()] for n, unit in parts)
    if seconds <= 0 or seconds > _LONGEST.total_seconds():
        raise InputError(f"{text!r} is not a duration between 1 second and 10 years", "use e.g. 15m or 7d")
    return timedelta(seconds=seconds)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """The instant ``text`` names: a duration back from now (``1d``) or a date/time (``2026-11-20``,
    ``2026-11-20T08:00+08:00``; without a zone, UTC)."""
    try:
        return (now or utcnow()) - parse_duration(text)
    except InputError:
        pass
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{text!r} is neither a duration nor a date", "use e.g. 1d, 7d, 2026-11-20 or 2026-11-20T08:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def since_instant(value: str | datetime | None) -> datetime | None:
    """``since`` as given to a listing: a string (empty means no limit), an instant, or None."""
    if isinstance(value, str):
        return parse_since(value) if value.strip() else None
    return value

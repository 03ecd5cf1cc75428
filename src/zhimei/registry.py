"""Entry-point lookup: built-ins register through the same groups as plug-ins."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from zhimei.errors import UnknownNameError

__all__ = ["BACKENDS", "TASKS", "Entry", "available", "load"]

BACKENDS = "zhimei.backends"
TASKS = "zhimei.tasks"


@dataclass(frozen=True)
class Entry:
    """One registered name: where it points and which distribution provides it."""

    name: str
    target: str
    provider: str


def available(group: str) -> dict[str, Entry]:
    """Every name registered in ``group``, built-in or plug-in."""
    out: dict[str, Entry] = {}
    for ep in entry_points(group=group):
        provider = ep.dist.name if ep.dist is not None else "?"
        out[ep.name] = Entry(ep.name, ep.value, provider)
    return out


@functools.cache
def _loaded(group: str, name: str) -> Any:
    # Scanning installed distributions costs ~10 ms; a generation asks for its task every time.
    for ep in entry_points(group=group, name=name):
        return ep.load()
    return None


def load(group: str, name: str) -> Any:
    """The object registered as ``name`` in ``group``; an unknown name lists the valid ones."""
    found = _loaded(group, name)
    if found is not None:
        return found
    kind = group.rsplit(".", 1)[-1].rstrip("s")
    raise UnknownNameError(kind, name, available(group))

"""Shared by the desk workflow and publishing tests: a Zhimei on a temp store with the scripted
backend, a clock that moves one second per reading, and a desk staffed by four users."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from zhimei.api import Zhimei
from zhimei.backends.base import Backend
from zhimei.backends.scripted import Reply, ScriptedBackend
from zhimei.config import load_settings
from zhimei.desk.verify import VerifyPolicy
from zhimei.store import open_engine, upgrade

__all__ = [
    "EN_ARTICLE",
    "EN_SUMMARY",
    "START",
    "ZH_ARTICLE",
    "ZH_SUMMARY",
    "Clock",
    "make_desk",
]

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

ZH_ARTICLE = (
    "国家统计局15日发布数据，2月份全国城镇调查失业率为5.4%，比上月上升0.2个百分点。"
    "社会消费品零售总额同比增长4.0%，全年GDP目标约为5%左右。"
)
ZH_SUMMARY = "2月份全国城镇调查失业率为5.4%，比上月上升0.2个百分点。社会消费品零售总额同比增长4.0%。"
EN_ARTICLE = (
    "The city council approved a $12.5 million budget for road repairs on Tuesday. "
    "Work on the first 40 streets starts in May, the council said."
)
EN_SUMMARY = "The council approved a $12.5 million road budget on Tuesday. Work starts in May."


@dataclass
class Clock:
    """Starts at ``now`` and moves ``step`` forward on every reading (so every change has its own time)."""

    now: datetime = START
    step: timedelta = field(default=timedelta(seconds=1))

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@cache
def _migrated() -> Path:
    """A migrated, empty SQLite database, made once per test process and copied for each desk."""
    path = Path(tempfile.mkdtemp(prefix="zhimei-desk-template-")) / "zhimei.db"
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # checkpoints the WAL into the file
    return path


def make_desk(
    home: Path,
    replies: Sequence[Reply] = (EN_SUMMARY,),
    *,
    users: bool = True,
    clock: Clock | None = None,
    database_url: str | None = None,
    names: bool = False,
    backend: Backend | None = None,
) -> Zhimei:
    """A Zhimei whose desk has admin ``ada``, reporter ``alice``, editors ``bob`` and ``erin``.

    ``names``: ground person and place names too (zh needs jieba's dictionary, about a second).
    ``backend``: a real backend instead of the scripted ``replies``.
    """
    # No corrective retries: each generation takes exactly one scripted reply.
    flags: dict[str, object] = {"home": home, "backend": "scripted", "max_retries": 0}
    if database_url:
        flags["database_url"] = database_url
    else:
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated(), home / "zhimei.db")
    settings = load_settings(flags, environ={}, cwd=home.parent)
    zm = Zhimei(settings, backend=backend or ScriptedBackend(replies))
    zm.desk.clock = clock or Clock()
    if not names:
        zm.desk.settings = replace(zm.desk.settings, verify_policy=VerifyPolicy(names=False))
    if users:
        zm.users_add("ada", "admin")
        zm.users_add("alice", "reporter", by="ada")
        zm.users_add("bob", "editor", by="ada")
        zm.users_add("erin", "editor", by="ada")
    return zm

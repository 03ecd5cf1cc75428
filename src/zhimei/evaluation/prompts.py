"""Choosing a task's prompt version for an evaluation (``--prompt summary.v2``).

A version exists when the task ships templates for it (``prompts/summary.v2.zh.j2`` …). Released
versions are never edited, so a run names exactly the prompt it used.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from zhimei.errors import UnknownNameError
from zhimei.tasks.base import Task

__all__ = ["prompt_versions", "select_prompt"]

_TEMPLATE = re.compile(r"^(?P<task>[a-z0-9_]+)\.(?P<version>v\d+)\.(?:zh|en)\.j2$")


def prompt_versions(task_id: str) -> list[str]:
    """The prompt versions shipped for ``task_id`` as ``task.vN``, oldest first."""
    folder = resources.files("zhimei.tasks").joinpath("prompts")
    versions = {
        m.group("version")
        for entry in folder.iterdir()
        if (m := _TEMPLATE.match(entry.name)) and m.group("task") == task_id
    }
    return [f"{task_id}.{v}" for v in sorted(versions, key=lambda v: int(v[1:]))]


def select_prompt(task: Task[Any], prompt: str | None) -> Task[Any]:
    """``task`` using prompt version ``prompt`` ("summary.v2" or "v2"; None keeps the task's own).

    An unknown version raises UnknownNameError listing the versions the task ships.
    """
    if prompt is None or prompt in (task.prompt_version, task.version):
        return task
    wanted = prompt if "." in prompt else f"{task.id}.{prompt}"
    available = prompt_versions(task.id)
    if wanted not in available:
        raise UnknownNameError(f"prompt version of task {task.id}", prompt, available)
    version = wanted.split(".", 1)[1]
    cls = type(task)
    # A subclass that only overrides the class-level version: templates and provenance follow it.
    variant = type(f"{cls.__name__}_{version}", (cls,), {"version": version, "__module__": cls.__module__})
    selected: Task[Any] = variant()
    return selected

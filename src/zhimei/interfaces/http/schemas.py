"""Request and response bodies of the HTTP API that are not library records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from zhimei.records import ApiToken, Role, TaskParams

__all__ = [
    "MAX_ID",
    "AckIn",
    "AssignIn",
    "CommentIn",
    "CorrectIn",
    "EditIn",
    "GenerateIn",
    "IngestIn",
    "LoginIn",
    "Me",
    "NewDraftIn",
    "NewTokenOut",
    "NewUserIn",
    "OptionsIn",
    "PasswordChangeIn",
    "PasswordResetIn",
    "PreviewOut",
    "PublishIn",
    "RegenerateIn",
    "RejectIn",
    "RestoreIn",
    "RoleIn",
    "SetupIn",
    "SourceIn",
    "StoryDraftIn",
    "TaskOut",
    "TokenIn",
    "UnpublishIn",
]

MAX_TEXT = 200_000
# Ids and numbers in paths and queries: larger ones cannot be stored (and are refused, not looked up).
MAX_ID = 2**31 - 1
# As the store requires; checked here too, so a user is never added with a password it refuses.
MIN_PASSWORD = 8


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SetupIn(_In):
    code: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class PasswordChangeIn(_In):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class PasswordResetIn(_In):
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class NewUserIn(_In):
    name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class RoleIn(_In):
    role: Role


class TokenIn(_In):
    name: str = Field(min_length=1, max_length=100)


class NewTokenOut(BaseModel):
    """A new API token: ``secret`` is shown this once and never again."""

    secret: str
    token: ApiToken


class Me(BaseModel):
    name: str
    role: Role
    via: Literal["session", "token"]
    csrf: str | None = None


class OptionsIn(_In):
    """Sampling options a caller may set (the rest are the task's)."""

    temperature: float | None = Field(default=None, ge=0.0, le=2.0, allow_inf_nan=False)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0, allow_inf_nan=False)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GenerateIn(_In):
    """What to generate from: ``text`` (article tasks) or ``data`` (a record, for briefs)."""

    task: str = Field(min_length=1, max_length=64)
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    data: dict[str, Any] | None = None
    lang: Literal["auto", "zh", "en"] = "auto"
    n: int = Field(default=1, ge=1, le=5)
    params: TaskParams | None = None
    options: OptionsIn | None = None


class NewDraftIn(GenerateIn):
    title: str | None = Field(default=None, max_length=500)


class StoryDraftIn(_In):
    task: str = Field(min_length=1, max_length=64)
    n: int = Field(default=1, ge=1, le=5)
    params: TaskParams | None = None
    title: str | None = Field(default=None, max_length=500)
    lang: Literal["zh", "en"] | None = None


class RegenerateIn(_In):
    n: int = Field(default=1, ge=1, le=5)
    options: OptionsIn | None = None


class ParagraphIn(_In):
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)
    style: Literal["concise", "formal", "lively"] | None = None
    options: OptionsIn | None = None


class EditIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)


class RestoreIn(_In):
    revision: int = Field(ge=1, le=MAX_ID)
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)


class CommentIn(_In):
    text: str = Field(min_length=1, max_length=10_000)
    revision: int | None = Field(default=None, ge=1, le=MAX_ID)


class AssignIn(_In):
    to: str = Field(min_length=1, max_length=64)


class AckIn(_In):
    note: str | None = Field(default=None, max_length=1000)


class RejectIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class PublishIn(_In):
    """Publish to the studio's own folder (``rss`` feeds the public feed); ``at`` schedules it."""

    format: Literal["markdown", "html", "json", "docx", "rss"]
    at: AwareDatetime | None = None


class UnpublishIn(_In):
    format: Literal["markdown", "html", "json", "docx", "rss"] | None = None


class CorrectIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    note: str = Field(min_length=1, max_length=1000)


class SourceIn(_In):
    kind: Literal["rss", "web", "folder"]
    location: str = Field(min_length=1, max_length=2000)
    name: str | None = Field(default=None, max_length=200)
    every: str | None = Field(default=None, max_length=20)


class IngestIn(_In):
    source: str | None = Field(default=None, max_length=200)


class TaskOut(BaseModel):
    name: str
    provider: str


class PreviewOut(BaseModel):
    """A publication preview: the rendered text (docx as a note) and its explicit label."""

    format: str
    media_type: str
    content: str
    label: str | None
    label_position: str | None
    made_at: datetime

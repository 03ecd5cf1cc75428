"""The ZhimeiError family: every error carries a one-line message and what to do next."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AuthenticationError",
    "BackendError",
    "ConfigError",
    "ConflictError",
    "ContextOverflowError",
    "DuplicateError",
    "ExtraMissingError",
    "InputError",
    "ModelCorruptError",
    "ModelMissingError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "PublishBlockedError",
    "PublishError",
    "StaleRevisionError",
    "StorageError",
    "UnknownNameError",
    "WorkflowError",
    "ZhimeiError",
]


class ZhimeiError(Exception):
    """Base of every error zhimei raises on purpose.

    ``exit_code`` is what the CLI exits with; ``hint`` says what to do next.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ZhimeiError):
    """A setting is unknown or has an invalid value."""

    exit_code = 2


class UnknownNameError(ConfigError):
    """A name (backend, task, model, setting) is not registered; the message lists the valid ones."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        options = ", ".join(sorted(valid)) or "(none)"
        super().__init__(f"unknown {kind} {name!r}", f"valid {kind}s: {options}")
        self.kind = kind
        self.name = name


class InputError(ZhimeiError):
    """An input file or value cannot be used: empty, binary, undecodable, malformed."""

    exit_code = 3


class ContextOverflowError(InputError):
    """The prompt does not fit the model's context window; nothing was sent."""


class NotFoundError(ZhimeiError, KeyError):
    """No stored record has the id asked for. Also a KeyError, so mapping-style callers can catch it."""

    exit_code = 3


class ExtraMissingError(ZhimeiError):
    """An optional dependency is not installed; the hint names the extra."""

    exit_code = 4

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"the optional dependency {module!r} is not installed",
            f"install it with: pip install 'zhimei[{extra}]'",
        )
        self.extra = extra


class ModelMissingError(ZhimeiError):
    """A model pack is not installed or not yet joined."""

    exit_code = 4


class ModelCorruptError(ZhimeiError):
    """A model file does not match its sha256 (corrupted, truncated or half-joined)."""

    exit_code = 4


class BackendError(ZhimeiError):
    """The text generation backend failed."""

    exit_code = 5


class ParseError(ZhimeiError):
    """Model output could not be parsed into the task's output; never guessed."""

    exit_code = 5


class StorageError(ZhimeiError):
    """The data directory or database cannot be written or read (full disk, permissions, corruption)."""

    exit_code = 6


class DuplicateError(StorageError):
    """A different record with the same id is already stored; stored records are never overwritten."""


class ConflictError(ZhimeiError):
    """A change was made on an outdated view of a record: nothing was saved (HTTP 409)."""

    exit_code = 7


class StaleRevisionError(ConflictError):
    """An edit names a parent revision that is no longer the newest: it is refused, never merged."""


class WorkflowError(ConflictError):
    """The action is not allowed in the draft's current review state (e.g. publishing before approval)."""


class PublishBlockedError(WorkflowError):
    """Verification flags that block publishing have not been acknowledged by an editor."""


class PermissionDeniedError(ZhimeiError):
    """The acting user is unknown or their role does not allow the action (HTTP 403)."""

    exit_code = 9


class PublishError(ZhimeiError):
    """Delivering a publication failed (e.g. an unreachable webhook); nothing was recorded."""

    exit_code = 5


class AuthenticationError(ZhimeiError):
    """A sign-in failed (wrong name or password) or a session or token is unknown or expired (HTTP 401)."""

    exit_code = 9

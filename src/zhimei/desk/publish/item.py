"""What a publisher receives: a labelled, approved revision, when it is published, and any correction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zhimei.desk.labelled import LabelledRevision
from zhimei.desk.labels.text import aigc_json, label_fields
from zhimei.records import Label, Lang

__all__ = ["PublishItem", "label_payload"]


@dataclass(frozen=True)
class PublishItem:
    """One publication's content. ``key`` identifies it (idempotency key, feed item id)."""

    labelled: LabelledRevision
    published_at: datetime
    key: str
    correction: str | None = None

    @property
    def title(self) -> str:
        return self.labelled.draft.title

    @property
    def lang(self) -> Lang:
        return self.labelled.draft.lang

    @property
    def text(self) -> str:
        return self.labelled.revision.text

    @property
    def label(self) -> Label | None:
        return self.labelled.label

    @property
    def draft_id(self) -> int:
        return self.labelled.draft.id

    @property
    def revision(self) -> int:
        return self.labelled.revision.number

    @property
    def slug(self) -> str:
        """The file name stem of this draft's publications (one file per draft and format)."""
        return f"draft-{self.draft_id}"

    def payload(self) -> dict[str, Any]:
        """The publication as JSON-ready data (the JSON format and the webhook body)."""
        return {
            "id": self.key,
            "draft": self.draft_id,
            "revision": self.revision,
            "title": self.title,
            "lang": self.lang,
            "text": self.text,
            "published_at": self.published_at.isoformat(),
            "approved_by": self.labelled.approval.actor,
            "approved_at": self.labelled.approval.created_at.isoformat(),
            "correction": self.correction,
            "label": label_payload(self.label),
        }


def label_payload(label: Label | None) -> dict[str, Any] | None:
    """Both labels as JSON: the explicit text and position, and the implicit fields (``AIGC`` first)."""
    if label is None:
        return None
    return {
        "AIGC": label.aigc.fields(),
        "AIGCJson": aigc_json(label),
        "explicit": label.explicit_text,
        "position": label.position,
        **label_fields(label),
    }

"""The only thing publishing accepts: an approved revision together with its AIGC label.

A :class:`LabelledRevision` can only be made by :meth:`LabelledRevision.build`, which checks that
the revision is the one an editor approved, that the label names that editor and was made for this
very text (its content hash), and that a label is there whenever the model wrote any part of it.
Publishers take nothing else, so an unapproved or unlabelled text has no way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zhimei.desk.labels import content_hash
from zhimei.errors import WorkflowError
from zhimei.records import Draft, Label, ReviewDecision, Revision

__all__ = ["LabelledRevision"]

_TOKEN = object()


@dataclass(frozen=True)
class LabelledRevision:
    """An approved revision of a draft, its approval, and its label (None only if no model text remains)."""

    draft: Draft
    revision: Revision
    approval: ReviewDecision
    label: Label | None
    model_units: int
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("a LabelledRevision is made with LabelledRevision.build()")
        # Checked here, not only in build(): dataclasses.replace() runs this too.
        draft, revision, approval, label = self.draft, self.revision, self.approval, self.label
        where = f"revision {revision.number} of draft {draft.id}"
        if revision.draft_id != draft.id or approval.draft_id != draft.id:
            raise WorkflowError(f"{where}: revision, approval and draft do not belong together")
        if approval.decision != "approved" or approval.revision != revision.number:
            raise WorkflowError(
                f"{where} has not been approved", "approve it first: zhimei review approve DRAFT --by EDITOR"
            )
        if label is None:
            if self.model_units > 0:
                raise WorkflowError(
                    f"{where} holds text the model wrote and has no AIGC label", "build its label first"
                )
        else:
            if label.reviewed_by != approval.actor:
                raise WorkflowError(
                    f"the label of {where} does not name its approving editor {approval.actor}"
                )
            if label.aigc.reserved_code1 != content_hash(revision.text):
                raise WorkflowError(f"the label of {where} was made for another text")

    @classmethod
    def build(
        cls,
        draft: Draft,
        revision: Revision,
        approval: ReviewDecision,
        label: Label | None,
        model_units: int,
    ) -> LabelledRevision:
        """Pair an approved revision with its label; WorkflowError when anything does not match.

        ``model_units`` is how much of the text (zh characters, en words) the model wrote.
        """
        return cls(draft, revision, approval, label, model_units, _TOKEN)

"""The co-creation desk: drafts, revisions, review, verification, AIGC labels, publishing, audit.

* :mod:`.drafts` — drafts from generations; append-only revisions with optimistic concurrency
  (a save on a stale parent is refused), regenerate, restore; :mod:`.views` shows a draft with
  provenance per sentence and compares revisions; :mod:`.provenance` says who wrote what.
* :mod:`.review` — submit, approve, reject, spike, assign, comment, acknowledge flags;
  :mod:`.states` the state machine; :mod:`.permissions` who may do what.
* :mod:`.publishing` — publish now or at a set time, unpublish, correct; :mod:`.publish` one
  module per format; :mod:`.labelled` the only thing publishers accept.
* :mod:`zhimei.desk.verify` flags what a draft asserts that its sources do not, what it copies,
  and what must not be published unchecked; :mod:`zhimei.desk.labels` builds the explicit and
  implicit AIGC labels. Both are pure.

Every change goes through :class:`~zhimei.desk.context.DeskContext` to the store in one
transaction with its audit event.
"""

__all__: list[str] = []

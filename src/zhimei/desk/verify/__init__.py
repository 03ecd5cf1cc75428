"""Verification of a draft against its sources: pure functions returning typed flags.

:func:`verify` runs the checks a :class:`VerifyPolicy` selects and returns a
:class:`~zhimei.records.Verification`: every :class:`~zhimei.records.Flag` with its character
offsets in the draft, a stable id for editors' acknowledgements, and whether it blocks publishing.

* grounding: figures (:mod:`.grounding`) and names (:mod:`.names`) no source supports;
* copying: long verbatim overlaps with a source (:mod:`.copying`);
* pii: resident IDs, mobile numbers, e-mail, bank cards, street addresses (:mod:`.pii`);
* sensitive: the newsroom's term list (:mod:`.terms`);
* link: URLs and e-mail addresses no source contains (:mod:`.links`).

Severities: ungrounded figures, personal data and links are errors; names, copying and
sensitive terms are warnings (names are less certain than figures). By default personal data and
links block publishing until an editor acknowledges them (``VerifyPolicy.blocking``).
Speed: roughly 30,000 zh characters a second for names (jieba; its dictionary loads once, about a
second), far faster for everything else.
"""

from zhimei.desk.verify.policy import ALL_CHECKS, VerifyPolicy
from zhimei.desk.verify.run import verify
from zhimei.records import Flag, Verification

__all__ = ["ALL_CHECKS", "Flag", "Verification", "VerifyPolicy", "verify"]

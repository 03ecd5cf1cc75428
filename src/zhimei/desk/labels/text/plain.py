"""Plain text: the explicit label as its own paragraph at the top or bottom."""

from __future__ import annotations

from zhimei.records import Label

__all__ = ["apply_to_plain"]


def apply_to_plain(text: str, label: Label) -> str:
    """``text`` with the explicit label as a separate paragraph where ``label.position`` says."""
    body = text.strip("\n")
    if label.position == "top":
        return f"{label.explicit_text}\n\n{body}\n"
    return f"{body}\n\n{label.explicit_text}\n"

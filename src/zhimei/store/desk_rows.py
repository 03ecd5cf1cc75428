"""Converting desk records to table rows and back: timestamps stay datetimes, nested records JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import RowMapping

from zhimei.errors import StorageError

__all__ = ["from_row", "to_row"]

R = TypeVar("R", bound=BaseModel)


def to_row(record: BaseModel, **renamed: str) -> dict[str, Any]:
    """The record's fields as a row: JSON-ready values, but datetimes as aware datetimes.

    ``renamed`` maps a field name to its column name.
    """
    row = record.model_dump(mode="json")
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, datetime):
            row[name] = value
    for field, column in renamed.items():
        row[column] = row.pop(field)
    return row


def from_row(kind: type[R], row: RowMapping | dict[str, Any], **renamed: str) -> R:
    """The record of type ``kind`` a row holds; StorageError when the row does not fit the record."""
    data = dict(row)
    for field, column in renamed.items():
        data[field] = data.pop(column)
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        raise StorageError(
            f"a stored {kind.__name__} does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc

"""Pages of results, addressed by opaque cursors (used by the portal and Relay connections)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.bounds import parse_id
from domain.errors import N_, FieldError, ValidationFailed

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    def cursor_at(self, index: int) -> str:
        return encode_cursor(self.offset + index)

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_at(0) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        """The cursor of the page's last item: pass it as ``after`` for the next page."""
        return self.cursor_at(len(self.items) - 1) if self.items else None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> int:
    """The offset after a cursor (the row following it); a bad cursor is a field error."""
    if not cursor:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        # An offset past any row a table can hold is no position at all (and overflows OFFSET).
        if kind != "offset" or parse_id(value) is None:
            raise ValueError(cursor)
        return int(value) + 1
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([FieldError(field, "cursor", N_("This cursor is not valid."))]) from None


def check_page_size(first: int, field: str = "first") -> int:
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ValidationFailed(
            [FieldError(field, "page_size", N_("Ask for between 1 and {max} rows."), {"max": MAX_PAGE_SIZE})]
        )
    return first

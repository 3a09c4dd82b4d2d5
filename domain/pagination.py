"""Pages of results: numbered pages for the portal, keyset windows behind opaque cursors for the API.

The portal shows page numbers (``offset``). The API pages by keyset: a cursor holds the sort key
values of its row (``ORDER BY`` ends on the primary key, so every row has one position), and the next
page is the rows whose keys come after them (``WHERE (keys) > (cursor's keys)``). A row inserted
before the cursor moves nothing after it, so a reader paging while others write sees no row twice and
skips none that existed when it started (an offset cursor did both).

A cursor is ``base64url("k1:" + JSON of the key values)``: opaque to clients, versioned so a later
shape can still read (or clearly refuse) this one. The offset cursors of before (``offset:N``) are
refused with a field error naming the argument, never read as a position.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from domain.errors import N_, FieldError, ValidationFailed

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
CURSOR_VERSION = "k1"
MAX_CURSOR_LENGTH = 2000
_MAX_INT = 2**31 - 1  # every integer key is a PostgreSQL ``integer``


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    total: int
    # Keyset pages (the API): each item's cursor, and whether rows lie beyond either end.
    cursors: tuple[str, ...] | None = None
    more_after: bool | None = None
    more_before: bool | None = None

    @property
    def has_next(self) -> bool:
        if self.more_after is not None:
            return self.more_after
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        if self.more_before is not None:
            return self.more_before
        return self.offset > 0

    def cursor_at(self, index: int) -> str:
        if self.cursors is not None:
            return self.cursors[index]
        return encode_cursor(self.offset + index)

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_at(0) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        """The cursor of the page's last item: pass it as ``after`` for the next page."""
        return self.cursor_at(len(self.items) - 1) if self.items else None

    def mapped(self, items: list[Any]) -> Page[Any]:
        """The same page (cursors, ends, total) holding ``items``, one for each of its items."""
        return Page(items, self.offset, self.total, self.cursors, self.more_after, self.more_before)

    def kept(self, items: list[Any | None]) -> Page[Any]:
        """The same page holding ``items`` (one for each of its items) less the Nones, with their cursors."""
        cursors = None
        if self.cursors is not None:
            cursors = tuple(c for c, item in zip(self.cursors, items, strict=True) if item is not None)
        found = [item for item in items if item is not None]
        return Page(found, self.offset, self.total, cursors, self.more_after, self.more_before)


def encode_cursor(offset: int) -> str:
    """A numbered position (the portal's pages); the API's cursors are keysets (``encode_keys``)."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> int:
    """The offset after a numbered cursor (``encode_cursor``). Only ``reviewQueue`` still pages this way
    (its sortable order is to move to keysets); every other connection takes keyset cursors."""
    if not cursor:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if kind != "offset" or not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise ValueError(cursor)
        return int(value) + 1
    except (ValueError, UnicodeError):
        raise _invalid(field) from None


def check_page_size(first: int, field: str = "first") -> int:
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ValidationFailed(
            [FieldError(field, "page_size", N_("Ask for between 1 and {max} rows."), {"max": MAX_PAGE_SIZE})]
        )
    return first


# ---------------------------------------------------------------------------
# Keyset cursors
# ---------------------------------------------------------------------------


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, "cursor", N_("This cursor is not valid."))])


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return {"t": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value  # JSON carries a double exactly (the shortest repr that reads back the same)
    return str(value)


def _decode_value(value: Any, field: str) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), *_ = value.items()
        if not isinstance(text, str):
            raise _invalid(field)
        try:
            if tag == "t":
                found = datetime.fromisoformat(text)
                if found.tzinfo is None:
                    raise ValueError(text)
                return found.astimezone(UTC)
            if tag == "d":
                return date.fromisoformat(text)
        except ValueError:
            raise _invalid(field) from None
        raise _invalid(field)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > _MAX_INT:
            raise _invalid(field)
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise _invalid(field)
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise _invalid(field)


def encode_keys(values: Sequence[Any]) -> str:
    """The opaque cursor of a row whose sort keys are ``values``."""
    text = CURSOR_VERSION + ":" + json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_keys(cursor: str, field: str, size: int) -> tuple[Any, ...]:
    """The sort key values in a cursor of this list; anything else is a field error naming ``field``."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid(field)
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (ValueError, UnicodeError):
        raise _invalid(field) from None
    version, _, body = text.partition(":")
    if version == "offset":
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    "cursor_expired",
                    N_(
                        "This cursor is a row number from an earlier version of the API, which no longer "
                        "pages: start again from the first page and use the cursors it returns."
                    ),
                )
            ]
        )
    if version != CURSOR_VERSION:
        raise _invalid(field)
    try:
        values = json.loads(body)
    except ValueError:
        raise _invalid(field) from None
    if not isinstance(values, list) or len(values) != size:
        raise _invalid(field)
    return tuple(_decode_value(value, field) for value in values)


# ---------------------------------------------------------------------------
# Keyset windows
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One sort key of a list: an SQL expression, its direction, whether it may be NULL.

    NULLs come last in either direction (first with ``nulls_first``); a list's keys end on its primary
    key (unique, not null), so the order is total.
    """

    expression: Any
    descending: bool = False
    nullable: bool = False
    nulls_first: bool = False


@dataclass(frozen=True)
class Window:
    """Which rows of a list the API asks for: ``first`` after a cursor, or ``last`` before one."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backwards(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        return self.last if self.last is not None else (self.first or DEFAULT_PAGE_SIZE)


def window(
    first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
) -> Window:
    """A checked window: one of ``first``/``last`` (1–100), cursors only in their direction."""
    if first is not None and last is not None:
        raise ValidationFailed(
            [FieldError("last", "page_direction", N_("Ask for the first rows or the last rows, not both."))]
        )
    if first is not None:
        check_page_size(first, "first")
    if last is not None:
        check_page_size(last, "last")
    if (before is not None and first is not None) or (after is not None and last is not None):
        raise ValidationFailed(
            [
                FieldError(
                    "before" if before is not None else "after",
                    "page_direction",
                    N_("Page forwards with first and after, backwards with last and before."),
                )
            ]
        )
    if before is not None and last is None:
        return Window(last=DEFAULT_PAGE_SIZE, before=before)
    return Window(first=first, after=after, last=last, before=before)


def _python_type(key: Key) -> type | None:
    """The Python type of a key's values, when its SQL type tells (a TypeDecorator by its impl)."""
    sql_type = key.expression.type
    if isinstance(sql_type, sa.types.TypeDecorator):
        sql_type = sql_type.impl_instance
    try:
        found = sql_type.python_type
    except NotImplementedError:
        return None
    return None if found is object else found


def _fits(key: Key, value: Any) -> bool:
    """Whether a cursor's value can stand where ``key``'s values do (else the database would fail)."""
    if value is None:
        return key.nullable
    expected = _python_type(key)
    if expected is None:
        return True
    if issubclass(expected, datetime):
        return isinstance(value, datetime)
    if issubclass(expected, date):
        return isinstance(value, date) and not isinstance(value, datetime)
    if issubclass(expected, bool):
        return isinstance(value, bool)
    if issubclass(expected, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if issubclass(expected, str):
        return isinstance(value, str)
    if issubclass(expected, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


def sort_order(keys: Sequence[Key], *, reverse: bool = False) -> list[Any]:
    """ORDER BY clauses of ``keys`` (NULLs last), or of their reverse (NULLs first)."""
    clauses: list[Any] = []
    for key in keys:
        descending = key.descending != reverse
        if key.nullable:
            last = key.nulls_first == reverse  # NULLs after the values in the order asked for
            clauses.append(sa.case((key.expression.is_(None), 1 if last else 0), else_=0 if last else 1))
        clauses.append(key.expression.desc() if descending else key.expression.asc())
    return clauses


def _beyond(key: Key, value: Any, *, forwards: bool) -> Any:
    """Rows whose ``key`` lies strictly beyond ``value`` in the list's order (or before it)."""
    expression = key.expression
    bound = sa.bindparam(None, value, type_=expression.type)
    greater = (not key.descending) == forwards  # beyond lie greater values (ascending, forwards)
    if key.nullable:
        nulls_beyond = key.nulls_first != forwards  # NULLs lie in the direction scanned
        if value is None:  # from a NULL: the values lie beyond it, or nothing does (ties go to later keys)
            return sa.false() if nulls_beyond else expression.is_not(None)
        strictly = expression > bound if greater else expression < bound
        return sa.or_(strictly, expression.is_(None)) if nulls_beyond else strictly
    return expression > bound if greater else expression < bound


def _equal(key: Key, value: Any) -> Any:
    if value is None:
        return key.expression.is_(None)
    return key.expression == sa.bindparam(None, value, type_=key.expression.type)


def beyond_cursor(keys: Sequence[Key], values: Sequence[Any], *, forwards: bool) -> Any:
    """The rows after (or before) the row whose keys are ``values``: a row-value comparison when every
    key runs one way without NULLs (an index range scan), else its expansion into OR terms."""
    if not any(key.nullable for key in keys) and len({key.descending for key in keys}) == 1:
        row = sa.tuple_(*(key.expression for key in keys))
        bound = sa.tuple_(
            *(sa.bindparam(None, v, type_=k.expression.type) for k, v in zip(keys, values, strict=False))
        )
        return row < bound if keys[0].descending == forwards else row > bound
    terms = []
    for index, (key, value) in enumerate(zip(keys, values, strict=False)):
        terms.append(
            sa.and_(
                *(_equal(k, v) for k, v in zip(keys[:index], values[:index], strict=False)),
                _beyond(key, value, forwards=forwards),
            )
        )
    return sa.or_(*terms)


async def keyset_page(
    session: Any,
    statement: Any,
    keys: Sequence[Key],
    request: Window,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    total: int,
    rows: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """One window of ``statement``'s rows in the order of ``keys``; ``key_of`` reads a row's keys.

    ``rows`` runs the statement (default ``session.exec(...).all()``) for queries read as tuples.
    """
    backwards = request.backwards
    cursor = request.before if backwards else request.after
    field = "before" if backwards else "after"
    if cursor:
        values = decode_keys(cursor, field, len(keys))
        if not all(_fits(key, value) for key, value in zip(keys, values, strict=True)):
            raise _invalid(field)
        statement = statement.where(beyond_cursor(keys, values, forwards=not backwards))
    statement = statement.order_by(*sort_order(keys, reverse=backwards)).limit(request.size + 1)
    found = list(await rows(statement)) if rows else list((await session.exec(statement)).all())
    more = len(found) > request.size
    found = found[: request.size]
    if backwards:
        found.reverse()
    cursors = tuple(encode_keys(key_of(row)) for row in found)
    return Page(
        items=found,
        offset=0,
        total=total,
        cursors=cursors,
        more_after=bool(request.before) if backwards else more,
        more_before=more if backwards else bool(request.after),
    )

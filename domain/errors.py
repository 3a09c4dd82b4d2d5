"""Typed errors of the domain. Each carries a code and, where it applies, the field it faults.

Messages are English message ids marked with ``N_`` and translated by the face
that shows them (portal or GraphQL) through the shared Babel catalogs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str | None
    code: str
    message: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)


class DomainError(Exception):
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.code
        self.params = params or {}

    @property
    def errors(self) -> list[FieldError]:
        return [FieldError(self.field, self.code, self.message, self.params)]


class ValidationFailed(DomainError):
    """One or more fields are invalid; nothing was written."""

    code = "invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field, code=first.code, params=first.params)
        self._errors = list(errors)

    @property
    def errors(self) -> list[FieldError]:
        return list(self._errors)


class PermissionDenied(DomainError):
    code = "forbidden"


class NotAuthenticated(DomainError):
    code = "unauthenticated"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    code = "rate_limited"


class StorageFull(DomainError):
    """The volume that keeps uploaded files has no room: nothing was saved (HTTP 507 on the portal)."""

    code = "storage_full"


def N_(message: str) -> str:
    """Mark a message id for extraction; translation happens where it is shown."""
    return message


# ---------------------------------------------------------------------------
# Problems a face found reading the input, with the use case's errors
# ---------------------------------------------------------------------------


def merged(problems: Sequence[FieldError], error: DomainError) -> DomainError:
    """The problems a face found reading its input (a date typed as ``31/12/2030``, a file that is not
    Base64) with a use case's refusal, in one error, so the user sees every problem at once. A field the
    face could not read went to the use case as missing: the face's own message replaces the use case's
    ("This field is required") for that field. Refusals of access (not found, forbidden) stand alone: they
    say nothing about the input."""
    if not problems or not isinstance(error, ValidationFailed | Conflict):
        return error
    named = {problem.field for problem in problems}
    return ValidationFailed([*problems, *(e for e in error.errors if e.field not in named)])


@asynccontextmanager
async def reporting(problems: Sequence[FieldError]) -> AsyncIterator[None]:
    """Run a use case inside a unit of work with the problems its input already has::

        async with db.transaction() as session, reporting(problems):
            await use_case(session, actor, data=data)

    The use case's refusal comes out merged with the problems; when it accepts input that could not be
    read in full (an optional field left out), the problems are raised inside the unit of work, which
    rolls back: nothing is written."""
    try:
        yield
    except DomainError as error:
        raise merged(problems, error) from None
    if problems:
        raise ValidationFailed(list(problems))

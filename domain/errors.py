"""Typed errors of the domain. Each carries a code and, where it applies, the field it faults.

Messages are English message ids marked with ``N_`` and translated by the face
that shows them (portal or GraphQL) through the shared Babel catalogs.
"""

from __future__ import annotations

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


def N_(message: str) -> str:
    """Mark a message id for extraction; translation happens where it is shown."""
    return message

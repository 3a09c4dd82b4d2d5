"""What accounts are made of, as pure rules: usernames, password shapes, e-mail addresses, API token and
session keys (no I/O here; the strength estimate that takes CPU time is in ``passwords``)."""

from __future__ import annotations

import hashlib
import re

from domain.bounds import too_long
from domain.errors import N_, FieldError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 64
TOKEN_PREFIX = "pwt_"
TOKEN_SCOPES = ("read", "write")
MAX_TOKEN_NAME_LENGTH = 64


def username_error(username: str, field: str = "username") -> FieldError | None:
    """A username the administrator chooses exactly (lower-cased by the caller)."""
    if USERNAME.match(username):
        return None
    return FieldError(
        field,
        "username_format",
        N_(
            "3 to 32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."  # noqa: E501
        ),
    )


def email_error(email: str | None, field: str = "email") -> FieldError | None:
    """An optional e-mail address: when given, it has an @ and fits the column."""
    if email and (len(email) > MAX_EMAIL_LENGTH or "@" not in email):
        return FieldError(field, "email_format", N_("This is not an e-mail address."))
    return None


def password_shape_errors(password: str, username: str, field: str) -> list[FieldError]:
    """The length of a new password, and that it is not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError(
                field,
                "password_short",
                N_("A password has at least {min} characters."),
                {"min": MIN_PASSWORD_LENGTH},
            )
        ]
    problem = too_long(field, password, MAX_PASSWORD_LENGTH)
    if problem:
        return [problem]
    if password.lower() == username.lower():
        return [FieldError(field, "password_is_username", N_("The password must not be the username."))]
    return []


def key_hash(key: str) -> str:
    """What is stored of an API token or a session key: its SHA-256. Both carry 256 random bits, so a fast
    hash is enough: there is nothing to brute-force."""
    return hashlib.sha256(key.encode()).hexdigest()

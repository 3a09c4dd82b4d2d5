"""Passwords: hashing with argon2id (libpass, parameters from settings), and what a new password must be
(long enough, not the username, hard to guess: zxcvbn)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import anyio.to_thread
from passlib.context import CryptContext
from zxcvbn import zxcvbn

from domain.accounts.rules import password_shape_errors
from domain.errors import N_, FieldError
from domain.settings import get_settings


@lru_cache(maxsize=4)
def _context(memory_cost: int, time_cost: int, parallelism: int) -> CryptContext:
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory_cost,
        argon2__rounds=time_cost,
        argon2__parallelism=parallelism,
    )


def context() -> CryptContext:
    settings = get_settings()
    return _context(settings.argon2_memory_cost, settings.argon2_time_cost, settings.argon2_parallelism)


def hash_password(password: str) -> str:
    return context().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-used-for-timing-only")


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)


async def verify_password_async(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new_hash) where new_hash is set when parameters changed.

    With no hash (unknown user) a dummy hash is checked, so an unknown username
    takes as long as a wrong password and does not reveal itself by timing.
    """

    def _verify() -> tuple[bool, str | None]:
        if password_hash is None:
            context().verify(password, _dummy_hash())
            return False, None
        try:
            return context().verify_and_update(password, password_hash)
        except ValueError:
            return False, None

    return await anyio.to_thread.run_sync(_verify)


# zxcvbn (Dropbox's estimator, offline: its own lists of common passwords, names, words, keyboard patterns,
# dates and sequences) scores a password 0-4; 3 means "safely unguessable: moderate protection from an
# offline slow-hash scenario" (about 10^10 guesses), which argon2id makes very slow.
MIN_STRENGTH = 3
# zxcvbn's own ceiling: it costs time that grows with length (128 ms for 72 characters here); what lies
# beyond the first 72 characters only adds strength.
STRENGTH_CHARS = 72
# Words everyone here would try first, beside the user's own.
SITE_WORDS = ("permitwatch", "paiwu", "xukezheng", "huanbao", "shengtai", "jiance", "admin", "demo")


def strength(password: str, hints: Iterable[str] = ()) -> int:
    """zxcvbn's score, 0 (guessed at once) to 4, counting the user's own names and the site's words."""
    words: set[str] = set(SITE_WORDS)
    for hint in hints:
        hint = (hint or "").strip().lower()
        if hint:
            words.add(hint)
            parts = [part for part in re.split(r"[^0-9a-z]+", hint) if part]
            words.update(part for part in parts if len(part) >= 3)
            words.add("".join(parts))  # zhang.wei -> zhangwei
    return int(zxcvbn(password[:STRENGTH_CHARS], user_inputs=sorted(words))["score"])


async def strength_async(password: str, hints: Iterable[str] = ()) -> int:
    """The same, off the event loop (up to ~0.1 s of CPU for a long password)."""
    return await anyio.to_thread.run_sync(strength, password, tuple(hints))


async def password_errors(
    password: str, username: str, field: str = "password", *, hints: tuple[str, ...] = ()
) -> list[FieldError]:
    """What is wrong with a new password: too short or long, the username itself, or easy to guess (a
    common password, a name, a date, a keyboard pattern, the user's own names: zxcvbn score below 3)."""
    errors = password_shape_errors(password, username, field)
    if errors:
        return errors
    if await strength_async(password, (username, *hints)) < MIN_STRENGTH:
        return [
            FieldError(
                field,
                "password_guessable",
                N_(
                    "This password is too easy to guess: it is common, or made of names, dates, words or "
                    "keyboard patterns. Use several unrelated words or a longer phrase."
                ),
            )
        ]
    return []

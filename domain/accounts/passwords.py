"""Password hashing with argon2id (libpass), parameters from settings."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from passlib.context import CryptContext

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

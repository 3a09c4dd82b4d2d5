"""The values of the schema's enums, described and typed as what they are.

``strawberry.enum_value`` returns a wrapper that ``@strawberry.enum`` replaces by the plain value when the
enum is built, so ``Kind.MONTHLY.value`` is ``"monthly"`` at run time; type checkers only see the wrapper.
``enum_value`` here is strawberry's, typed as the value it becomes, so a member's ``.value`` is a ``str``
for mypy as for Python and goes to the domain as it is.
"""

from __future__ import annotations

from typing import TypeVar, cast

import strawberry

V = TypeVar("V")


def enum_value(value: V, *, description: str) -> V:
    """A member's value with the description the schema shows for it."""
    return cast(V, strawberry.enum_value(value, description=description))

"""What an access rule says about its target, in two forms: a Python test and a SQL expression.

``domain.access.rule(actor, operation)`` settles everything that depends on the actor (role, region,
enterprise, agency, authorisations, token scopes) and returns one of these conditions, which speak only
about the target: which enterprise, region, agency or owner it belongs to. ``can()`` asks the condition
about one ``Target`` (``holds``); a list asks it for a SQL expression over its rows' columns (``where``).
Both forms are written side by side in each class below, so there is no second copy of the rule, and
``tests/access`` checks them against each other over a generated grid of targets on both databases.

A target field that is None (a ``Target`` without a region, a list whose rows have no owner) satisfies no
condition that asks about it; in SQL a NULL column or a column the list does not name does the same, and
the expression is FALSE there, never NULL (so its negation is exactly "not allowed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

if TYPE_CHECKING:
    from domain.access.targets import Target, TargetColumns


class Condition(Protocol):
    def holds(self, target: Target | None) -> bool:
        """Whether the condition is true of this target (None: the operation asked about in general)."""
        ...

    def where(self, columns: TargetColumns) -> Any:
        """A SQL boolean expression over the columns that is true exactly where ``holds`` is."""
        ...


def _column(columns: TargetColumns, name: str) -> Any:
    return getattr(columns, name)


def _known(column: Any, test: Any) -> Any:
    """False, not NULL, where the column is NULL: the expression stays two-valued, so NOT of it is
    exactly "not allowed"."""
    return sa.and_(column.is_not(None), test)


@dataclass(frozen=True)
class Always:
    """Every target, and the operation in general."""

    def holds(self, target: Target | None) -> bool:
        return True

    def where(self, columns: TargetColumns) -> Any:
        return sa.true()


@dataclass(frozen=True)
class Never:
    def holds(self, target: Target | None) -> bool:
        return False

    def where(self, columns: TargetColumns) -> Any:
        return sa.false()


@dataclass(frozen=True)
class Unspecified:
    """The question names no object ("may I manage my tokens at all?"). A row is always an object."""

    def holds(self, target: Target | None) -> bool:
        return target is None

    def where(self, columns: TargetColumns) -> Any:
        return sa.false()


@dataclass(frozen=True)
class EnterpriseIn:
    """The target belongs to one of these enterprises (its own unit; an agency's authorised clients)."""

    ids: frozenset[int]

    def holds(self, target: Target | None) -> bool:
        return target is not None and target.enterprise_id is not None and target.enterprise_id in self.ids

    def where(self, columns: TargetColumns) -> Any:
        column = _column(columns, "enterprise_id")
        if column is None or not self.ids:
            return sa.false()
        if len(self.ids) == 1:
            return _known(column, column == next(iter(self.ids)))
        return _known(column, column.in_(sorted(self.ids)))


@dataclass(frozen=True)
class RegionWithin:
    """The target's region code starts with this prefix (a jurisdiction's significant prefix; "" is the
    whole country)."""

    prefix: str

    def holds(self, target: Target | None) -> bool:
        return (
            target is not None
            and target.region_code is not None
            and target.region_code.startswith(self.prefix)
        )

    def where(self, columns: TargetColumns) -> Any:
        column = _column(columns, "region_code")
        if column is None:
            return sa.false()
        if not self.prefix:
            return column.is_not(None)
        return _known(column, column.startswith(self.prefix, autoescape=True))


@dataclass(frozen=True)
class AgencyIs:
    agency_id: int

    def holds(self, target: Target | None) -> bool:
        return target is not None and target.agency_id is not None and target.agency_id == self.agency_id

    def where(self, columns: TargetColumns) -> Any:
        column = _column(columns, "agency_id")
        return sa.false() if column is None else _known(column, column == self.agency_id)


@dataclass(frozen=True)
class OwnerIs:
    user_id: int

    def holds(self, target: Target | None) -> bool:
        return (
            target is not None and target.owner_user_id is not None and target.owner_user_id == self.user_id
        )

    def where(self, columns: TargetColumns) -> Any:
        column = _column(columns, "owner_user_id")
        return sa.false() if column is None else _known(column, column == self.user_id)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, target: Target | None) -> bool:
        return any(part.holds(target) for part in self.parts)

    def where(self, columns: TargetColumns) -> Any:
        return sa.or_(*(part.where(columns) for part in self.parts))


ALWAYS = Always()
NEVER = Never()
UNSPECIFIED = Unspecified()


def any_of(*parts: Condition) -> Condition:
    """The disjunction, simplified: Never parts dropped, an Always part is the answer."""
    kept = tuple(part for part in parts if not isinstance(part, Never))
    if any(isinstance(part, Always) for part in kept):
        return ALWAYS
    if not kept:
        return NEVER
    return kept[0] if len(kept) == 1 else AnyOf(kept)

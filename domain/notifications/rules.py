"""The kinds of notice a user may choose e-mail for (legally required notices are always e-mailed)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import N_


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str
    legally_required: bool


NOTICE_KINDS = (NoticeKind("permit_renewal", N_("Permit renewal reminders"), legally_required=False),)


def email_choice(kind: str, chosen: dict[str, bool]) -> bool:
    """Whether a kind is e-mailed: on unless the user turned it off, always when the law requires it."""
    required = next((k.legally_required for k in NOTICE_KINDS if k.key == kind), False)
    return chosen.get(kind, True) or required

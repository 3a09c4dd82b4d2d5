"""The event rows of an audited change (written by ``domain.audit.service`` with its entry)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.changes.kinds import CHANGES_OF, ROW_ID_IS_OBJECT_ID, ObjectType

ChangedIds = Mapping[ObjectType, int | None]


def event_rows(entry: Mapping[str, Any], changed: ChangedIds | None = None) -> list[dict[str, Any]]:
    """The change events of one audit entry (its ``entry_values``): one per object it changes, none for
    an action that changes nothing the feed reports. ``changed`` gives the row id of an object its audit
    entry names by a key people read; a missing one is a programming error, refused here."""
    kinds = CHANGES_OF.get(entry["action"])
    if not kinds:
        return []
    rows = []
    for object_type, change in kinds:
        row_id = _row_id(entry, object_type, changed or {})
        rows.append(
            {
                "occurred_at": entry["occurred_at"],
                "object_type": object_type.value,
                "object_id": row_id,
                "object_key": str(entry["object_id"])[:64],
                "change": change.value,
                "action": entry["action"],
                "enterprise_id": entry["enterprise_id"],
            }
        )
    return rows


def _row_id(entry: Mapping[str, Any], object_type: ObjectType, changed: ChangedIds) -> int:
    given = changed.get(object_type)
    if given is not None:
        return int(given)
    if object_type == ObjectType.ENTERPRISE and entry["enterprise_id"] is not None:
        return int(entry["enterprise_id"])
    if object_type in ROW_ID_IS_OBJECT_ID and str(entry["object_id"]).isdigit():
        return int(entry["object_id"])
    raise LookupError(
        f"{entry['action']}: the audit entry must name the changed {object_type.value}'s row id"
    )

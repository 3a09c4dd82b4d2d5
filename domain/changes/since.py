"""``updatedSince`` on the API's lists: the rows whose ``updatedAt`` is at or after a moment.

An object's ``updatedAt`` is the time of its last event in the change feed, or the time it was recorded
when it has no event (recorded before the feed began; docs/integrators.md, "Syncing"). Every event of an
object comes at or after its recording, so its ``updatedAt`` is at or after ``since`` exactly when it was
recorded at or after ``since`` or has an event at or after it: one indexed EXISTS per row
(``ix_change_event_object``) beside the list's own filters and access clause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.changes.kinds import ObjectType
from domain.changes.models import ChangeEvent


def updated_since(object_type: ObjectType, object_id: Any, recorded_at: Any, since: datetime) -> Any:
    """SQL: the row (``object_id``, ``recorded_at`` its columns) changed or was recorded at or after
    ``since``."""
    changed = (
        select(col(ChangeEvent.id))
        .where(
            col(ChangeEvent.object_type) == object_type.value,
            col(ChangeEvent.object_id) == object_id,
            col(ChangeEvent.occurred_at) >= since,
        )
        .exists()
    )
    return sa.or_(recorded_at >= since, changed)

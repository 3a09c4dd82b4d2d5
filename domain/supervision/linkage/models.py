"""Linkage tasks (三监联动任务), their receiving departments and their steps.

The task and each step are written once and never edited (PT §8: the whole trace is kept): a step is a
row with its department, handler (经办人), responsible person (负责人), date and remarks, as on the
annex-5 sheet. Two columns summarise the history for lists and are only ever moved forward by the use
cases: a receiver's ``stage`` and the task's ``archived_at``.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

# 一般 / 应发未发 / 应登未登 / 许可内容有误: the last three are enforcement findings sent back to permitting.
TASK_KINDS = ("general", "unpermitted", "unregistered", "permit_wrong")
# A receiver moves forward only: 已发送 -> 已接收 -> 已执行 -> 已反馈.
RECEIVER_STAGES = ("sent", "received", "executed", "fed_back")
STEP_KINDS = ("initiate", "receive", "execute", "feedback", "archive")


class LinkageTask(SQLModel, table=True):
    """One linkage task: who initiated it, about which unit, what is asked, by when."""

    __tablename__ = "linkage_task"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", TASK_KINDS), name="kind_known"),
        sa.CheckConstraint("due_on >= initiated_on", name="due_after_initiated"),
        sa.Index("ix_linkage_task_region_archived", "region_code", "archived_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="general", max_length=16)
    region_code: str = Field(max_length=6)
    department: str = Field(max_length=32)  # the initiating department (a regulator role)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    unit_name: str = Field(max_length=200)  # as written: a unit with no permit may not be registered
    permit_id: int | None = Field(default=None, foreign_key="permit.id")
    outlet_code: str = Field(default="", max_length=16)
    problem_id: int | None = Field(default=None, foreign_key="problem.id")  # the problem it came from
    description: str = Field(max_length=2000)  # 问题描述: the reason
    requested_action: str = Field(max_length=2000)  # 需要联动的内容
    handler: str = Field(max_length=50)
    responsible_person: str = Field(max_length=50)
    initiated_on: date
    due_on: date  # the date the receivers are asked to feed back by
    remarks: str = Field(default="", max_length=500)
    source_type: str = Field(default="", max_length=32)  # e.g. inspection: what the task came from
    source_id: str = Field(default="", max_length=64)
    via_sheet: bool = Field(default=False)  # entered from an offline transfer sheet
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    archived_at: datetime | None = None


class LinkageReceiver(SQLModel, table=True):
    """A department a task was sent to, and how far it has come."""

    __tablename__ = "linkage_receiver"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "department", name="uq_linkage_receiver_department"),
        sa.CheckConstraint(base.sql_in("stage", RECEIVER_STAGES), name="stage_known"),
        sa.Index("ix_linkage_receiver_department_stage", "department", "stage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="linkage_task.id", index=True)
    department: str = Field(max_length=32)
    stage: str = Field(default="sent", max_length=12)


class LinkageStep(SQLModel, table=True):
    """One step of a task as the sheet records it: department, what was done, handler, responsible person,
    date, remarks; with who entered it, for whom and when (server time)."""

    __tablename__ = "linkage_step"
    __table_args__ = (sa.CheckConstraint(base.sql_in("kind", STEP_KINDS), name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="linkage_task.id", index=True)
    kind: str = Field(max_length=12)
    department: str = Field(max_length=32)
    text: str = Field(default="", max_length=2000)
    handler: str = Field(default="", max_length=50)
    responsible_person: str = Field(default="", max_length=50)
    done_on: date
    remarks: str = Field(default="", max_length=500)
    via_sheet: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)

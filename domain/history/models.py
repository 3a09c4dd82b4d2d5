"""One import of a unit's history from the national platform (docs/integrators.md, "History from the
national platform"): who loaded which file from which source, when (server time), and what it wrote.
The rows it wrote (permits, their versions, applications, report submissions) carry its id and source."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.clock import utcnow

SOURCE_LIMIT = 100
DEFAULT_SOURCE = "全国排污许可证管理信息平台"


class HistoryImport(SQLModel, table=True):
    __tablename__ = "history_import"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=SOURCE_LIMIT)
    file_name: str = Field(max_length=200)
    file_sha256: str = Field(max_length=64, index=True)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    permits: int = Field(default=0)
    versions: int = Field(default=0)
    applications: int = Field(default=0)
    submissions: int = Field(default=0)

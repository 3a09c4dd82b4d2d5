"""Relay page information shared by every connection."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.pagination import Page


@strawberry.type(description="分页信息（Relay 规范）")
class PageInfo:
    has_next_page: bool = strawberry.field(description="是否还有下一页")
    has_previous_page: bool = strawberry.field(description="是否有上一页")
    start_cursor: str | None = strawberry.field(description="本页第一条记录的游标")
    end_cursor: str | None = strawberry.field(description="本页最后一条记录的游标；作为 after 参数取下一页")

    @classmethod
    def from_page(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )

"""Relay connections: page information and the paging arguments every connection takes.

Every list is a connection (``edges { cursor node }``, ``pageInfo``, ``totalCount``) paged by
``first``/``after`` forwards or ``last``/``before`` backwards. Cursors are opaque keysets
(``domain.pagination``): a row inserted while a client pages moves no other row between pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry

from domain.pagination import Page, Window, window

First = Annotated[
    int | None, strawberry.argument(description="向后翻页：取 after 游标之后的前若干条（1–100，默认 20）")
]
After = Annotated[
    str | None, strawberry.argument(description="从此游标之后开始（取上一页的 pageInfo.endCursor）")
]
Last = Annotated[
    int | None, strawberry.argument(description="向前翻页：取 before 游标之前的最后若干条（1–100）")
]
Before = Annotated[
    str | None, strawberry.argument(description="到此游标之前为止（取下一页的 pageInfo.startCursor）")
]
UPDATED_SINCE = (
    "只列出此时间（含）以后新建或变更过的（updatedAt 不早于此时间）；增量同步时传上次同步开始的时间"
)
UpdatedSince = Annotated[datetime | None, strawberry.argument(description=UPDATED_SINCE)]


def page_window(first: int | None, after: str | None, last: int | None, before: str | None) -> Window:
    """The checked window of a connection's arguments (a domain error names the bad argument)."""
    return window(first=first, after=after, last=last, before=before)


@strawberry.type(description="分页信息（Relay 规范）")
class PageInfo:
    has_next_page: bool = strawberry.field(description="是否还有下一页")
    has_previous_page: bool = strawberry.field(description="是否有上一页")
    start_cursor: str | None = strawberry.field(description="本页第一条记录的游标；作为 before 参数取上一页")
    end_cursor: str | None = strawberry.field(description="本页最后一条记录的游标；作为 after 参数取下一页")

    @classmethod
    def from_page(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )


E = TypeVar("E")


def edges_of(page: Page[Any], nodes: list[Any], edge: Callable[..., E]) -> list[E]:
    """The edges of a page: each node (one for each of the page's items) with its item's cursor."""
    return [edge(cursor=page.cursor_at(index), node=node) for index, node in enumerate(nodes)]

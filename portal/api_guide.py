"""The integrators' guide on the site (/api): what an integrator reads before writing a client, served by
the product itself rather than left in the repository. The page renders the README's "GraphQL API"
section, docs/integrators.md and the schema's changelog (graphql_schema/CHANGELOG.md) as Markdown with
raw HTML off, an anchor per heading and a table of contents; /api/schema.graphql serves the committed
schema for code generators. No login."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.responses import actor_of, render

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "integrators.md"
SCHEMA = ROOT / "graphql_schema" / "schema.graphql"
CHANGELOG = ROOT / "graphql_schema" / "CHANGELOG.md"
README_SECTION = "## GraphQL API"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Guide:
    html: str
    headings: tuple[Heading, ...]


def anchor_of(text: str, taken: set[str]) -> str:
    """GitHub's rule, so links written against the repository's file work on the page too: lower case,
    punctuation dropped, spaces to hyphens; a repeated heading gets -1, -2..."""
    slug = "".join(
        ch for ch in text.strip().lower() if ch in " -_" or unicodedata.category(ch)[0] in "LN"
    ).replace(" ", "-")
    anchor, number = slug or "section", 0
    while anchor in taken:
        number += 1
        anchor = f"{slug}-{number}"
    taken.add(anchor)
    return anchor


def readme_section() -> str:
    """The README's GraphQL section (up to the next second-level heading), as the guide's first part."""
    text = README.read_text(encoding="utf-8")
    start = text.index(README_SECTION)
    following = re.search(r"^## ", text[start + len(README_SECTION) :], flags=re.MULTILINE)
    end = start + len(README_SECTION) + following.start() if following else len(text)
    return text[start:end]


@lru_cache(maxsize=1)
def guide() -> Guide:
    # The schema's changelog last, its title a section like the others (its releases below it).
    changelog = CHANGELOG.read_text(encoding="utf-8").replace("# ", "## ", 1)
    changelog = re.sub(r"^## (\d{4}-)", r"### \1", changelog, flags=re.MULTILINE)
    source = "\n\n".join((readme_section(), GUIDE.read_text(encoding="utf-8"), changelog))
    markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    tokens = markdown.parse(source)
    taken: set[str] = set()
    headings: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            text = tokens[index + 1].content
            anchor = anchor_of(text, taken)
            token.attrSet("id", anchor)
            headings.append(Heading(int(token.tag[1]), text, anchor))
    html = markdown.renderer.render(tokens, markdown.options, {})
    return Guide(html, tuple(headings))


async def guide_page(request: Request) -> Response:
    await actor_of(request)  # the page is public; a logged-in visitor keeps their navigation
    found = guide()
    return render(
        request,
        "api/guide.html",
        {"guide_html": found.html, "contents": [h for h in found.headings if h.level == 2]},
    )


async def schema_file(request: Request) -> Response:
    return PlainTextResponse(
        SCHEMA.read_text(encoding="utf-8"),
        headers={"Content-Disposition": 'inline; filename="schema.graphql"', "Cache-Control": "max-age=300"},
    )


routes = [
    Route("/api", guide_page, methods=["GET"], name="api_guide"),
    Route("/api/schema.graphql", schema_file, methods=["GET"], name="api_schema"),
]

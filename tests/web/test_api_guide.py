"""The integrators' guide is served by the product (/api), not left in the repository: the README's GraphQL
section and docs/integrators.md as one page with a contents list and anchors the other pages link to; the
schema file for code generators; no login; the Markdown's raw HTML is never passed through."""

from __future__ import annotations

import re

from portal import api_guide
from tests.factories import make_user
from tests.portal_helpers import log_in


async def test_the_guide_is_one_public_page_with_contents_and_working_anchors(client):  # type: ignore[no-untyped-def]
    response = await client.get("/api")
    assert response.status_code == 200
    page = response.text
    assert "接口对接指南" in page  # the page's frame in the reader's language
    assert "POST /graphql" in page and "Webhooks: the feed pushed to you" in page
    ids = set(re.findall(r'<h[1-6] id="([^"]+)"', page))
    contents = re.findall(r'<nav class="card api-contents".*?</nav>', page, flags=re.S)[0]
    links = re.findall(r'href="#([^"]+)"', contents)
    assert links and set(links) <= ids
    # The anchors other pages link to exist.
    assert {"history-from-the-national-platform", "3-verify-the-signature", "graphql-api"} <= ids
    assert "<pre><code" in page  # the examples as code
    assert "graphql-schema-changelog" in links  # what changed in the schema, with its deprecations


async def test_pages_that_send_integrators_to_the_guide_link_to_its_sections(client, session):  # type: ignore[no-untyped-def]
    user = await make_user(session, "permitting", region_code="310107")
    await session.commit()
    await log_in(client, user.username)
    history = (await client.get("/permits/import-history")).text
    assert 'href="/api#history-from-the-national-platform"' in history
    assert "docs/integrators.md" not in history
    webhooks = (await client.get("/account/webhooks")).text
    assert 'href="/api#3-verify-the-signature"' in webhooks and "docs/integrators.md" not in webhooks


async def test_the_schema_file_is_served_for_code_generators(client):  # type: ignore[no-untyped-def]
    response = await client.get("/api/schema.graphql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "type Query" in response.text
    assert response.text == api_guide.SCHEMA.read_text(encoding="utf-8")


def test_raw_html_in_the_markdown_is_shown_as_text_not_run(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    guide = tmp_path / "integrators.md"
    text = "# Guide\n\n<script>alert(1)</script>\n\n## A heading\n\n## A heading\n"
    guide.write_text(text, encoding="utf-8")
    monkeypatch.setattr(api_guide, "GUIDE", guide)
    api_guide.guide.cache_clear()
    try:
        rendered = api_guide.guide()
    finally:
        api_guide.guide.cache_clear()
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert [h.anchor for h in rendered.headings if h.text == "A heading"] == ["a-heading", "a-heading-1"]

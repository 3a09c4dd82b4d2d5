"""Security headers on every response: pages, public pages, GraphQL, static files, errors."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from web.security_headers import inline_script_hashes

PORTAL_CSP = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; "
    "connect-src 'self'; img-src 'self' data:; script-src-attr 'none'; script-src 'self'; style-src 'self'"
)


def assert_protected(response: httpx.Response, csp: str = PORTAL_CSP) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # served over plain HTTP


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/public/permits",
        "/public/statistics",
        "/rules",
        "/static/app.css",
        "/livez",
        "/no/such/page",
    ],
)
async def test_every_kind_of_get_response_carries_the_headers(client, path):
    response = await client.get(path)

    assert response.status_code < 500
    assert_protected(response)


async def test_graphql_answers_and_refusals_carry_them(client):
    answer = await client.post("/graphql", json={"query": "{ __typename }"})
    refused = await client.post(
        "/graphql", content=b"x" * (17 * 1024 * 1024), headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 200 and refused.status_code == 413
    assert_protected(answer)
    assert_protected(refused)


async def test_a_server_error_page_carries_them(db, settings, monkeypatch):
    async def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr("domain.disclosure.queries.register.permit_statistics", broken)
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as plain:
        response = await plain.get("/public/statistics")

    assert response.status_code == 500
    assert_protected(response)


async def test_graphiql_allows_exactly_its_own_inline_script_and_loads_nothing_from_elsewhere(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    hashes = inline_script_hashes(response.text)
    assert len(hashes) == 1
    assert f"script-src 'self' {hashes[0]};" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp and "https:" not in csp
    assert response.headers["x-frame-options"] == "DENY"


async def test_graphiql_files_are_vendored_and_match_the_integrity_the_page_demands(client):
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    assets = re.findall(
        r'<(?:script|link)\b[^>]*?(?:src|href)="(/[^"]+)"[^>]*?integrity="([^"]+)"', page, re.S
    )

    assert len(assets) == 7 and "unpkg" not in page
    for path, integrity in assets:
        served = await client.get(path)
        assert served.status_code == 200, path
        digest = "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == integrity, path
        assert_protected(served)


async def test_hsts_is_sent_when_the_site_is_served_over_https(db, settings):
    app = create_app(settings.model_copy(update={"base_url": "https://permits.example.gov.cn"}), db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as secure_client:
        response = await secure_client.get("/")

    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_no_page_template_holds_inline_script_style_or_handlers():
    templates = Path(__file__).resolve().parents[2] / "web_templates"
    offending = []
    for template in templates.rglob("*.html"):
        if "emails" in template.parts:
            continue  # mail, not served under the policy
        text = template.read_text(encoding="utf-8")
        inline_script = re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
        if inline_script or re.search(r"\son[a-z]+\s*=|hx-on|\sstyle\s*=|<style", text):
            offending.append(template.relative_to(templates).as_posix())

    assert offending == []

"""A domain error no page handles itself reaches the portal's error page with its message whole: the
values it names (a bound, a limit) filled in, in the reader's language, never a "{max}"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import N_, FieldError, ValidationFailed


async def _refuse(request: Request) -> Response:
    raise ValidationFailed(
        [FieldError("first", "page_size", N_("Ask for between 1 and {max} rows."), {"max": 100})]
    )


async def test_the_error_page_fills_in_the_values_of_its_message(app, client):  # type: ignore[no-untyped-def]
    app.router.routes.insert(0, Route("/__refuse", _refuse))
    english = await client.get("/__refuse", headers={"Accept-Language": "en"})
    assert english.status_code == 400
    assert "Ask for between 1 and 100 rows." in english.text and "{max}" not in english.text
    chinese = await client.get("/__refuse", headers={"Accept-Language": "zh-CN"})
    assert "100" in chinese.text and "{max}" not in chinese.text

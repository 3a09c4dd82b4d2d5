"""Parameters no page can use are refused at the door with a 400 that names them.

- Integer path parameters (``{report_id:int}`` …) match only ids the database can hold
  (``MAX_ID``, PostgreSQL's ``integer``). ``/permits/id/99999999999`` is a page that does not
  exist (404), not an out-of-range query (a 500 on PostgreSQL above 2^31, on SQLite above 2^63).
  Starlette's ``int`` convertor is replaced for every route, so a new route cannot forget it.
- A NUL character in the path, a query parameter or a form field (urlencoded or the text fields
  of a multipart form) is refused before any page runs: PostgreSQL cannot store or compare it
  in text, and no name, number or search term contains one. Uploaded files may hold NUL bytes
  (an XLSX is a zip); they are not inspected here.

GraphQL brings its own check (``graphql_schema.app``): its strings arrive in JSON.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.bounds import MAX_BIG_ID, MAX_ID
from domain.errors import N_
from domain.i18n import translations_for
from web.csrf import buffer_body
from web.request_context import request_locale

# 0 … 2147483647 (MAX_ID), leading zeros allowed: one alternative per leading digit run.
_UP_TO_MAX_ID = (
    "0*(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
    "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])"
)
assert MAX_ID == 2147483647  # the expression above spells this number out


class IdConvertor(Convertor[int]):
    """An integer path parameter that the database can hold; a larger one matches no route."""

    regex = _UP_TO_MAX_ID

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 0 <= value <= MAX_ID:
            raise ValueError("an id outside the database's range")
        return str(value)


register_url_convertor("int", IdConvertor())


def digits_up_to(largest: int) -> str:
    """A regular expression for the decimal numbers 0 … ``largest`` (leading zeros allowed): the
    shorter numbers, then one alternative per leading digit run of ``largest``'s length."""
    text = str(largest)
    alternatives = ["0", f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for position, digit in enumerate(text):
        low = 1 if position == 0 and len(text) > 1 else 0
        if int(digit) > low:
            rest = len(text) - position - 1
            alternatives.append(
                f"{text[:position]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    alternatives.append(text)
    return "0*(?:" + "|".join(alternatives) + ")"


class BigIdConvertor(Convertor[int]):
    """A 64-bit key (monitoring readings: a province's pass 2^31 within years); ``{reading_id:bigint}``."""

    regex = digits_up_to(MAX_BIG_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 0 <= value <= MAX_BIG_ID:
            raise ValueError("an id outside the database's range")
        return str(value)


register_url_convertor("bigint", BigIdConvertor())

NUL_MESSAGE = N_("“{field}” contains a character that is not allowed (NUL). Nothing was saved.")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = _nul_in_path_or_query(scope)
        replay = receive
        content_type = Headers(scope=scope).get("content-type", "")
        if (
            field is None
            and scope["method"] not in ("GET", "HEAD", "OPTIONS")
            and content_type.startswith(FORM_TYPES)
            and not scope["path"].startswith(self.exempt_prefixes)
        ):
            body, replay = await buffer_body(receive)
            field = await _nul_in_form(scope, content_type, body)
        if field is not None:
            await refuse(scope, replay, send, field)
            return
        await self.app(scope, replay, send)


def _nul_in_path_or_query(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or "\x00" in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
    return None


async def _nul_in_form(scope: Scope, content_type: str, body: bytes) -> str | None:
    if not body:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        if b"%00" not in body and b"\x00" not in body:
            return None
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "form"
        return None

    async def receive_body() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, receive_body).form()
    except Exception:  # noqa: BLE001 - a malformed multipart body is the page's to refuse, with its message
        return None
    try:
        for name, item in form.multi_items():
            if "\x00" in name or (isinstance(item, str) and "\x00" in item):
                return name.replace("\x00", "") or "form"
    finally:
        await form.close()
    return None


async def refuse(scope: Scope, receive: Receive, send: Send, field: str) -> None:
    from portal.responses import error_page

    request = Request(scope, receive)
    message = translations_for(request_locale(request)).gettext(NUL_MESSAGE).format(field=field[:60])
    await error_page(request, 400, message=message)(scope, receive, send)

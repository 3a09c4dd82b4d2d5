"""Security headers on every response, built with the `secure` library.

Two policies. The portal's (pages, public pages, static files, GraphQL answers, error pages):
scripts and styles only from this site's own files — no inline script, no inline event
handler, no eval (htmx runs with ``allowEval`` off) — nothing may frame a page, MIME types are
not sniffed, the referrer stays on this site, HSTS when the public address is https.

GraphiQL (``GET /graphql`` in a browser) is strawberry's page with React and GraphiQL served from
copies vendored here (``graphql_schema.app.graphiql_page``, handed in by ``server.app``) and one inline
script: its policy allows that script by its SHA-256 (computed from the page served, so a strawberry
upgrade that changes it keeps working) and inline styles, which GraphiQL's editor sets; nothing else
differs.
"""

from __future__ import annotations

import base64
import hashlib
import re

from secure import (
    MULTI_OK,
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    CrossOriginResourcePolicy,
    PermissionsPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS_SECONDS = 365 * 24 * 3600
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources ('sha256-…') for the inline scripts of a page."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _policy(csp: ContentSecurityPolicy, *, https: bool) -> Secure:
    return Secure(
        csp=csp,
        hsts=StrictTransportSecurity().max_age(HSTS_SECONDS) if https else None,
        xcto=XContentTypeOptions().nosniff(),
        xfo=XFrameOptions().deny(),
        referrer=ReferrerPolicy().same_origin(),
        coop=CrossOriginOpenerPolicy().same_origin(),
        corp=CrossOriginResourcePolicy().same_origin(),
        permissions=PermissionsPolicy().camera().microphone().geolocation().payment().usb(),
    )


def _common(csp: ContentSecurityPolicy) -> ContentSecurityPolicy:
    return (
        csp.base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
        .object_src("'none'")
        .connect_src("'self'")
        .img_src("'self'", "data:")
        .script_src_attr("'none'")
    )


def portal_policy(*, https: bool) -> Secure:
    csp = _common(ContentSecurityPolicy().default_src("'self'")).script_src("'self'").style_src("'self'")
    return _policy(csp, https=https)


def graphiql_policy(*, https: bool, page: str) -> Secure:
    """The policy of the GraphiQL page ``page`` (its HTML, whose inline scripts are allowed by hash)."""
    csp = (
        _common(ContentSecurityPolicy().default_src("'self'"))
        .script_src("'self'", *inline_script_hashes(page))
        .style_src("'self'", "'unsafe-inline'")
        .font_src("'self'", "data:")
    )
    return _policy(csp, https=https)


class _Secured:
    """What ``secure``'s ASGI middleware does, with the headers encoded once instead of on every response.

    The policy's headers never change once built, yet ``secure.middleware.SecureASGIMiddleware`` serialises
    them again for each response (the CSP joined, every name and value encoded and normalised): a third of
    the middleware's CPU on an API call (issue 19). As there, a header the policy sets replaces any of the
    same name the response carries, except those ``secure`` lets repeat (``MULTI_OK``), which are added.
    """

    def __init__(self, app: ASGIApp, policy: Secure) -> None:
        self.app = app
        self.headers = [
            (name.encode("ascii"), value.encode("latin-1")) for name, value in policy.headers.items()
        ]
        self.replaced = frozenset(
            name.strip().lower()
            for name, _value in self.headers
            if name.strip().lower().decode() not in MULTI_OK
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = self.replaced
                message["headers"] = [
                    header
                    for header in message.get("headers", [])
                    if header[0].strip().lower() not in replaced
                ] + self.headers
            await send(message)

        await self.app(scope, receive, send_secured)


def _secured(app: ASGIApp, policy: Secure) -> ASGIApp:
    return _Secured(app, policy)


def security_headers(app: ASGIApp, *, https: bool, graphql_path: str, graphiql_page: str) -> ASGIApp:
    """Wrap the whole application (error pages too): GraphiQL's policy for it, the portal's elsewhere."""
    portal = _secured(app, portal_policy(https=https))
    graphiql = _secured(app, graphiql_policy(https=https, page=graphiql_page))

    async def choose(scope: Scope, receive: Receive, send: Send) -> None:
        ide = scope["type"] == "http" and scope["path"] == graphql_path and scope["method"] in ("GET", "HEAD")
        await (graphiql if ide else portal)(scope, receive, send)

    return choose

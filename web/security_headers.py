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
from typing import cast

from secure import (
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
from secure.middleware import SecureASGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

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


def _secured(app: ASGIApp, policy: Secure) -> ASGIApp:
    """``secure``'s middleware as the ASGI application it is: ``secure`` declares the messages it sends as
    ``object``, so a Starlette ``send`` (of message dicts, which is all it sends) does not fit its
    annotation."""
    return cast(ASGIApp, SecureASGIMiddleware(app, secure=policy))


def security_headers(app: ASGIApp, *, https: bool, graphql_path: str, graphiql_page: str) -> ASGIApp:
    """Wrap the whole application (error pages too): GraphiQL's policy for it, the portal's elsewhere."""
    portal = _secured(app, portal_policy(https=https))
    graphiql = _secured(app, graphiql_policy(https=https, page=graphiql_page))

    async def choose(scope: Scope, receive: Receive, send: Send) -> None:
        ide = scope["type"] == "http" and scope["path"] == graphql_path and scope["method"] in ("GET", "HEAD")
        await (graphiql if ide else portal)(scope, receive, send)

    return choose

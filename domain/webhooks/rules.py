"""What an endpoint may be, and how a delivery is signed: pure functions, no I/O."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from domain.bounds import too_long
from domain.changes.kinds import ObjectType
from domain.errors import N_, FieldError

MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-Permitwatch-Signature"
# A receiver refuses a signature whose time is further than this from its clock (docs/integrators.md).
REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under the endpoint's secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def address_refused(address: str) -> bool:
    """An address a delivery must not reach unless the operators allow private addresses: anything not
    on the public internet (loopback, private, link-local, shared, reserved, multicast, unspecified)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_errors(url: str, *, allow_private: bool, field: str = "url") -> list[FieldError]:
    """Why ``url`` cannot be an endpoint: only http(s) with a host, no credentials in it, at most
    ``MAX_URL_LENGTH`` characters; a host that is a private address or ``localhost`` only when allowed
    (the worker checks the addresses a name resolves to again before each delivery)."""
    if not url:
        return [FieldError(field, "required", N_("This field is required."))]
    if problem := too_long(field, url, MAX_URL_LENGTH):
        return [problem]
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        return [FieldError(field, "url", N_("A URL has no spaces or control characters."))]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [FieldError(field, "url", N_("Enter a URL starting with https:// or http://."))]
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return [FieldError(field, "url", N_("Enter a URL starting with https:// or http://."))]
    if parts.username is not None or parts.password is not None:
        return [
            FieldError(field, "url", N_("Put no user name or password in the URL: deliveries are signed."))
        ]
    if port == 0:
        return [FieldError(field, "url", N_("Enter a URL starting with https:// or http://."))]
    host = parts.hostname.lower().rstrip(".")
    literal = _is_ip(host)
    if not allow_private and (
        host == "localhost" or host.endswith(".localhost") or (literal and address_refused(host))
    ):
        return [FieldError(field, "private_address", N_("Deliveries go only to public internet addresses."))]
    return []


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def event_types_of(
    values: Sequence[str], field: str = "event_types"
) -> tuple[list[ObjectType], list[FieldError]]:
    """The feed's object types named (each once, in the feed's order), or why not."""
    names = [str(value).strip().upper() for value in values]
    if not names or not any(names):
        return [], [FieldError(field, "required", N_("Choose at least one kind of event."))]
    known = {t.value for t in ObjectType}
    unknown = sorted({name for name in names if name not in known})
    if unknown:
        return [], [
            FieldError(
                field,
                "choice",
                N_("Unknown kind of event: {names}."),
                {"names": ", ".join(name[:40] for name in unknown[:5])},
            )
        ]
    chosen = set(names)
    return [t for t in ObjectType if t.value in chosen], []

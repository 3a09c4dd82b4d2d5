"""Running the same case through both faces (a portal form post, a GraphQL mutation) and comparing the
outcome: accepted or refused, and each error's field and code (no tests here).

The portal shows each error beside its field with ``data-field`` and ``data-code``
(web_templates/macros.html); GraphQL returns ``errors { field code }`` with camelCase fields. A refusal of
access (not found, forbidden, not logged in) is a page of its own in the portal (404, 403, 401), which
names no field: a case expecting one maps the API's field to None (``rename``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

ERROR = re.compile(r'data-field="([^"]*)" data-code="([^"]*)"')
ACCESS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    errors: frozenset[tuple[str | None, str]]

    def __str__(self) -> str:
        return "accepted" if self.accepted else f"refused {sorted(self.errors, key=str)}"


def portal_outcome(response: httpx.Response, *, accepted: tuple[int, ...] = (302, 303)) -> Outcome:
    """A form post's outcome: a redirect is accepted (or ``accepted``, e.g. 200 for a fragment that htmx
    swaps in); a page with errors, or an error page, refused."""
    if response.status_code in accepted:
        return Outcome(True, frozenset())
    if response.status_code in ACCESS:
        return Outcome(False, frozenset({(None, ACCESS[response.status_code])}))
    assert response.status_code in (400, 409, 422), (response.status_code, response.text[:500])
    found = frozenset((field or None, code) for field, code in ERROR.findall(response.text))
    assert found, f"a refusal with no error shown: {response.text[:500]}"
    return Outcome(False, found)


def snake_case(name: str | None) -> str | None:
    """contractFile -> contract_file, qualifications[0].validUntil -> qualifications[0].valid_until."""
    if not name:
        return None
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def graphql_outcome(
    payload: Mapping[str, Any], *, rename: Mapping[str | None, str | None] | None = None
) -> Outcome:
    """A mutation payload's outcome; ``rename`` maps the API's names of fields to the portal's (the argument
    ``id`` of a row that is not found, which the portal's 404 page does not name: None)."""
    errors = payload["errors"]
    if not errors:
        return Outcome(True, frozenset())
    named = rename or {}
    found = set()
    for error in errors:
        field = named.get(error["field"], snake_case(error["field"]))
        found.add((field, error["code"]))
    return Outcome(False, frozenset(found))

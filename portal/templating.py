"""Jinja2 environment: translations, CSRF token, actor and formatting helpers for every page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from domain import regions
from domain.access import ANONYMOUS, Operation, can, role_label
from domain.audit.labels import ACTION_LABELS, CHANNEL_LABELS, FIELD_LABELS, OBJECT_LABELS
from domain.clock import CHINA
from domain.enterprises.queries import may_register
from domain.enterprises.rules import category_label, industry_name
from domain.errors import FieldError
from domain.i18n import translate, translations_for
from domain.permits.reference import named_pollutant
from domain.permits.service.imports import may_import
from web.csrf import csrf_token
from web.request_context import request_locale

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "web_templates"
STATIC_DIR = TEMPLATE_DIR / "static"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored times are UTC; people in China read them in China Standard Time."""
    if value is None:
        return ""
    return value.astimezone(CHINA).strftime(fmt)


def _label(translations: Any, labels: dict[str, str], key: str) -> str:
    return translations.gettext(labels[key]) if key in labels else key


def error_text(error: Any, locale: str) -> str:
    """An error's or an audit finding's message in the reader's language, a pollutant named, not coded
    (the rules and the stored findings carry its code: DA001 氮氧化物, not DA001 NOX)."""
    return translate(error.message, locale, **named_pollutant(error.params or {}, locale))


def _page_context(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    translations = translations_for(locale)
    session = request.scope.get("session")
    actor = getattr(request.state, "actor", None) or ANONYMOUS
    return {
        "locale": locale,
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "csrf_token": csrf_token(session) if session is not None else "",
        "actor": actor,
        "can": lambda operation: can(actor, Operation(operation)),
        "may_register": may_register(actor),
        "may_import_permits": may_import(actor),
        "region_name": lambda code: regions.region_name(code, locale),
        "industry_name": lambda code: industry_name(code, locale),
        "category_label": lambda value: category_label(value, locale),
        "role_label": lambda value: role_label(value, locale),
        "error_text": lambda error: error_text(error, locale),
        "action_label": lambda action: _label(translations, ACTION_LABELS, action),
        "field_label": lambda name: _label(translations, FIELD_LABELS, name),
        "object_label": lambda kind: _label(translations, OBJECT_LABELS, kind),
        "channel_label": lambda channel: _label(translations, CHANNEL_LABELS, channel),
    }


def field_errors(errors: list[FieldError]) -> dict[str, list[FieldError]]:
    """Errors grouped by field, for showing each next to its input ('' for form-wide ones)."""
    grouped: dict[str, list[FieldError]] = {}
    for error in errors:
        grouped.setdefault(error.field or "", []).append(error)
    return grouped


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[_page_context])
    env = templates.env
    env.add_extension("jinja2.ext.i18n")
    env.autoescape = True
    env.filters["local_time"] = local_time
    env.globals["static_version"] = "6"
    return templates

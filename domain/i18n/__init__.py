"""Message catalogs shared by both faces (portal and GraphQL).

Message ids are English; the Simplified Chinese catalog is the default locale.
Catalogs live in ``domain/i18n/locale`` and are compiled by ``make`` (pybabel).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED_LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"


@lru_cache(maxsize=8)
def translations_for(locale: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


class Localized(str):
    """A parameter of a message that is a name in two languages (a department, a report section): it reads
    as the Chinese name where it is kept (an audit trail, a log) and as the reader's name where a message
    is shown (``translate``)."""

    en: str

    def __new__(cls, zh: str, en: str) -> Localized:
        made = super().__new__(cls, zh)
        made.en = en
        return made

    def in_locale(self, locale: str) -> str:
        return self.en if locale == "en" else str(self)


def translate(message: str, locale: str, **params: Any) -> str:
    text = translations_for(locale).gettext(message)
    if not params:
        return text
    return text.format(
        **{k: v.in_locale(locale) if isinstance(v, Localized) else v for k, v in params.items()}
    )


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick a supported locale from an Accept-Language header."""
    if not accept_language:
        return default
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        pieces = part.strip().split(";q=")
        tag = pieces[0].strip().lower()
        try:
            quality = float(pieces[1]) if len(pieces) > 1 else 1.0
        except ValueError:
            quality = 0.0
        ranked.append((quality, tag))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return default

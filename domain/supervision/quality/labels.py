"""A quality finding as people read it: names, never codes (pollutants, categories, frequencies, ledger
records, report kinds), in the reader's language."""

from __future__ import annotations

from typing import Any

from domain.enterprises.rules import category_label
from domain.i18n import translate
from domain.permits.reference import REPORT_KIND_LABELS, label, pollutant_name
from domain.supervision.quality.rules import RULES

_LABELLED = ("frequency", "required", "record", "method")


def shown(params: dict[str, Any], locale: str) -> dict[str, Any]:
    """The figures of a finding with every code turned into its name."""
    values = dict(params)
    if "pollutant" in values:
        values["pollutant"] = pollutant_name(str(values["pollutant"]), locale)
    for name in ("category", "required"):
        if values.get(name) in ("key", "simplified"):
            values[name] = category_label(str(values[name]), locale)
    for name in _LABELLED:
        if name in values and isinstance(values[name], str) and values[name] not in ("key", "simplified"):
            values[name] = label(values[name], locale)
    if "report" in values:
        values["report"] = (
            translate(REPORT_KIND_LABELS.get(str(values["report"]), ""), locale) or values["report"]
        )
    if values.get("unit") == "mg/m3":
        values["unit"] = "mg/m³"
    return values


def finding_text(rule_code: str, params: dict[str, Any], locale: str) -> str:
    return translate(RULES[rule_code].message, locale, **shown(params, locale))

"""What every ledger page shares: words for the codes the domain stores, the templates' helpers, paging,
the status of a form sent back with its errors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from domain.clock import CHINA
from domain.errors import N_
from domain.i18n import translations_for
from domain.ledgers.entry_rules import ENTRY_FIELDS
from domain.ledgers.models import ENTRY_KINDS
from domain.permits.reference import UNIT_LABELS, label, pollutant_name
from portal.ledgers.forms import ESTIMATE_FIELDS, QUANTITY_UNITS
from portal.responses import is_htmx
from web.request_context import request_locale

PAGE_SIZE = 50

FIELD_LABELS = {
    "status": N_("Operating status"),
    "hours": N_("Operating hours"),
    "load_percent": N_("Load (%)"),
    "output": N_("Output"),
    "fuel": N_("Fuel and raw materials used"),
    "abnormal_cause": N_("Cause of any abnormality"),
    "abnormal_measures": N_("Measures taken for it"),
    "reagent": N_("Reagent"),
    "reagent_amount": N_("Reagent amount"),
    "description": N_("Description"),
    "cause": N_("Cause"),
    "measures": N_("Measures taken"),
    "estimate_outlet": N_("Estimate: outlet"),
    "estimate_pollutant": N_("Estimate: pollutant"),
    "estimate_quantity_kg": N_("Estimate: quantity (kg)"),
    "estimate_basis": N_("Estimate: basis (factor or material balance)"),
    "subject": N_("Facility, outlet or source"),
    "period_start": N_("Period start"),
    "period_end": N_("Period end"),
}
LONG_FIELDS = frozenset({"abnormal_cause", "abnormal_measures", "description", "cause", "measures"})
NUMERIC_FIELDS = frozenset({"hours", "load_percent", "reagent_amount", "estimate_quantity_kg"})
METHOD_WORDS = {
    "automatic": N_("Automatic monitoring"),
    "manual": N_("Manual monitoring"),
    "factor": N_("Emission factor / material balance"),
    "missing": N_("No figure yet"),
}
EXCEEDANCE_KINDS = {
    "concentration": N_("Concentration above the permitted limit"),
    "annual_quantity": N_("Annual quantity above the permitted one"),
}


def number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def helpers(request: Request) -> dict[str, Any]:
    """What the ledger templates use to put codes into words, in the request's language."""
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    def method_words(method: str) -> str:
        return gettext(METHOD_WORDS.get(method, method))

    def exceedance_kind(kind: str) -> str:
        return gettext(EXCEEDANCE_KINDS.get(kind, kind))

    return {
        "label": lambda value: label(value, locale) if value else "",
        "pollutant_name": lambda code: pollutant_name(code, locale),
        "unit_label": lambda unit: gettext("dimensionless") if unit == "dimensionless" else unit,
        "num": number,
        "ledger_field": lambda name: gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name,
        "method_words": method_words,
        "exceedance_kind": exceedance_kind,
        "china": CHINA,
        "kind_fields": ENTRY_FIELDS,
        "estimate_fields": ESTIMATE_FIELDS,
        "long_fields": LONG_FIELDS,
        "numeric_fields": NUMERIC_FIELDS,
        "entry_kinds": ENTRY_KINDS,
        "quantity_units": QUANTITY_UNITS,
        "UNIT_LABELS": UNIT_LABELS,
    }


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def last_page(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def integer(raw: object) -> int | None:
    try:
        return int(str(raw))
    except ValueError:
        return None


def form_status(request: Request, ok: bool = False) -> int:
    """htmx swaps 2xx answers only: a form with errors comes back as 200 to htmx, 400 to a plain post."""
    return 200 if ok or is_htmx(request) else 400

"""How the positive list's codes read on pages: reasons and sources by name, never by code."""

from __future__ import annotations

from domain.errors import N_

REMOVAL_LABELS = {
    "yellow_cards": N_("Two yellow cards in one calendar year"),
    "decision": N_("Removed by decision"),
}
SOURCE_LABELS = {"case": N_("Enforcement case"), "inspection": N_("Inspection record")}

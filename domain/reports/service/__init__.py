"""The use cases of execution reports, by capability: ``drafts`` (the unit's draft), ``submission`` (filing,
append-only and chained), ``review`` (the feedback form, the unit's answer, acceptance). The only writers of
the area's tables; both faces call them."""

"""Enterprise environmental credit (企业环境信用, PT §3; issue 16): a score per unit built from events, each
with the record it rests on, in the shape of the agencies' credit (``domain.scoring``).

Events are derived from the unit's own records of the closed loop (cases, yellow cards, grades, the
positive list, problems and rectification, reports, exceedances) by ``service.refresh_credit``, which the
daily run calls for every unit and a regulator may call for one; a regulator of the legal section may
also record an event with its basis and evidence, and void any event with a reason (kept, never
rewritten). The formula and its sources: ``rules`` and docs/domain-rules.md (Enterprise credit)."""

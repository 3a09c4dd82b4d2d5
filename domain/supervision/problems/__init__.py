"""Problems (问题) and rectification (整改, 挂单销号; AP (5), actions 16-18; PT §5-8; JN).

A problem found anywhere names the unit, the permit and outlet, its source, the legal basis, the evidence
and the department that owns it (``service.raise_problem``, the entry point of every source). A problem
that needs fixing becomes a rectification item with measures, a deadline and a responsible person; the
unit reports progress monthly, the regulator verifies, re-checks a sample, closes (销号) or reopens it.
Every step is an append-only row (``RectificationStep``); the item's state follows from them
(``rules.next_state``). docs/supervision.md, "Problems and rectification", says more."""

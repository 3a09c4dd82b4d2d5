"""Supervision (证后监管, PT ch. 2; AP ch. 3-4; JN): the closed loop the national platform lacks. A problem
found anywhere (a report's audit finding, a feedback item left unresolved, an exceedance, an inspection, a
linkage task, a complaint, a regulator's own entry) is owned by a department, fixed by the unit against a
deadline, verified, re-checked and closed (销号), in view of everyone concerned.

Sub-areas, lower first (each imports only those before it): ``problems`` (problems and rectification),
``linkage`` (three-supervision linkage tasks, 三监联动), ``inspections`` (plans, double-random draws,
inspection and enforcement-monitoring records), ``cases`` (the enforcement leads inbox and cases). The
whole area sits above every other area but the ones that read across it (disclosure, reminders,
overview); docs/supervision.md says what each part does and which rule it follows."""

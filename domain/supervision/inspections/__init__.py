"""Inspections (执法检查, PT §6-7; AP action 20): the year's inspection plan from the frequency rules,
double-random draws (双随机) reproducible from a recorded seed, inspection and enforcement-monitoring
records on the annex-3 checklist whose findings become problems. docs/supervision.md (Inspections)."""

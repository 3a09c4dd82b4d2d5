"""Three-supervision linkage (三监联动, PT §8, annexes 4-5): a task one department initiates, one or more
departments receive, execute and feed back, and the permitting section archives; the offline transfer
sheet (线下转办单) with the same fields and its outcome entered back. docs/supervision.md, Linkage."""

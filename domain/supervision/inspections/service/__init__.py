"""Use cases of inspections, by capability: ``plans`` (the year's plan), ``draws`` (double-random draws),
``records`` (inspection and enforcement-monitoring records)."""

"""Working days (工作日) and deadlines counted in them: ``rules`` (pure), ``schedule`` (a published
year's file), ``service`` (loading it), ``queries`` (the loaded years)."""

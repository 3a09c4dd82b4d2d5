"""The filing rollup (docs/statistics.md, The filing rollup): reports owed, submitted and submitted on time
per district, industry, kind and period, which the filing dashboard reads instead of planning every
permit's schedule on each request. Writes that change the figures leave a mark in their own transaction
(``marks``); the worker recounts what the marks name (``refresh``); ``permitwatch rollup-rebuild``
recounts everything."""

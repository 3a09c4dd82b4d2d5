"""Reads for anyone: ``permits`` (what of a permit is disclosed, the freshness of the public pages),
``register`` (the search over permits and registrations, the monthly list of permits expired and not
renewed, the statistics), ``permit_page`` (one permit's public page and its outlets' QR pages)."""

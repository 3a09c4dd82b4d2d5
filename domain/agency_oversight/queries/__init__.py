"""Reads that name the records behind an agency's work: ``credit`` (events with their sources, the public
credit page, one agency's events), ``filings`` (what an agency filed for its clients), ``profile`` (an
agency's page and its staff's home)."""

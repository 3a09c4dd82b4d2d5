"""Audit rules that check execution reports automatically (JN: 68 general + 119 industry rules; the
catalogue today: 69 general + 124 industry rules, listed in CATALOGUE.md)."""

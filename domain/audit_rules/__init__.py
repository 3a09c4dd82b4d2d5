"""Audit rules that check execution reports automatically (JN: 68 general + 119 industry rules)."""

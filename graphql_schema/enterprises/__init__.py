"""Enterprises (排污单位): types, queries and mutations."""

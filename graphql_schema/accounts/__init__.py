"""Accounts: the viewer and API tokens."""

"""Supervision pages (docs/supervision.md): one module per part of the closed loop."""

"""Industry rule sets (scope: GB/T 4754 codes). Codes I<industry>-nn."""

from __future__ import annotations

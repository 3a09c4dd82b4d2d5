"""Enforcement (执法): the leads inbox (违法线索), cases with facts, legal basis, decision and penalty, their
documents, and what of them is public (M48 §39; AP (7)). docs/supervision.md, Enforcement cases."""

"""Webhooks: an integrator's endpoints, each told of the change feed's events its owner may read, signed,
retried with back-off, replayable (docs/integrators.md, "Webhooks")."""

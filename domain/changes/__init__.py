"""The change feed's event table: one append-only row per create, update, void or state change of an
object an integrator syncs, written by the audit trail in the same transaction as the change
(``domain.audit.service``), so no writer can forget one. The feed itself, read with the access rules,
is ``domain.feed``; docs/integrators.md, "Syncing"."""

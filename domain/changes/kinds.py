"""The closed sets of the change feed: what kind of object changed, how, and which audited actions are
changes of which objects."""

from __future__ import annotations

from enum import StrEnum


class ObjectType(StrEnum):
    """The objects the feed reports on, named as the API names them."""

    ENTERPRISE = "ENTERPRISE"
    PERMIT = "PERMIT"
    PERMIT_APPLICATION = "PERMIT_APPLICATION"
    LEDGER_ENTRY = "LEDGER_ENTRY"
    READING = "READING"
    EXCEEDANCE = "EXCEEDANCE"
    SHUTDOWN = "SHUTDOWN"
    EXECUTION_REPORT = "EXECUTION_REPORT"
    REPORT_SUBMISSION = "REPORT_SUBMISSION"
    FEEDBACK_FORM = "FEEDBACK_FORM"
    REGISTRATION = "REGISTRATION"


class ChangeKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    VOIDED = "VOIDED"  # withdrawn with a reason and kept (a reading, a ledger record)
    STATE_CHANGED = "STATE_CHANGED"  # moved in its lifecycle (accepted, granted, returned, cancelled...)


T, K = ObjectType, ChangeKind

# Every audited action that changes an object of the feed, with the changes it makes. An action not
# listed changes nothing an integrator syncs (sessions, tokens, supervision's internal steps);
# tests/changes/test_kinds.py holds every audited action to one side or the other.
CHANGES_OF: dict[str, tuple[tuple[ObjectType, ChangeKind], ...]] = {
    "enterprise.register": ((T.ENTERPRISE, K.CREATED),),
    "enterprise.update": ((T.ENTERPRISE, K.UPDATED),),
    "permit.import": ((T.PERMIT, K.CREATED),),
    "history.import.permit": ((T.PERMIT, K.CREATED),),
    "history.import.permit_version": ((T.PERMIT, K.UPDATED),),
    "history.import.application": ((T.PERMIT_APPLICATION, K.CREATED),),
    "history.import.submission": ((T.REPORT_SUBMISSION, K.CREATED), (T.EXECUTION_REPORT, K.STATE_CHANGED)),
    "permit.apply.first": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.apply.renewal": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.apply.change_basic": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.apply.change_items": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.apply.change_restart": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.apply.replacement": ((T.PERMIT_APPLICATION, K.CREATED),),
    "permit.extend": ((T.PERMIT_APPLICATION, K.UPDATED),),
    "permit.supply_materials": ((T.PERMIT_APPLICATION, K.UPDATED),),
    "permit.accept": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.reject": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.request_materials": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.grant": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.refuse": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.issued": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.renewed": ((T.PERMIT, K.UPDATED),),
    "permit.changed": ((T.PERMIT, K.UPDATED),),
    "permit.replace": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.revoke": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.cancel": ((T.PERMIT, K.STATE_CHANGED),),
    "permit.start_change": ((T.PERMIT, K.STATE_CHANGED),),
    "ledger.entry": ((T.LEDGER_ENTRY, K.CREATED),),
    "ledger.revise": ((T.LEDGER_ENTRY, K.UPDATED),),
    "ledger.void": ((T.LEDGER_ENTRY, K.VOIDED),),
    # A batch of readings is one audit entry; its readings' events are written with the batch
    # (domain.ledgers.service.readings), one per reading.
    "ledger.void_reading": ((T.READING, K.VOIDED),),
    "ledger.shutdown": ((T.SHUTDOWN, K.CREATED),),
    "ledger.shutdown_end": ((T.SHUTDOWN, K.UPDATED),),
    "ledger.explain_exceedance": ((T.EXCEEDANCE, K.UPDATED),),
    "report.submit": ((T.REPORT_SUBMISSION, K.CREATED), (T.EXECUTION_REPORT, K.STATE_CHANGED)),
    "report.section_cleared": ((T.EXECUTION_REPORT, K.UPDATED),),
    "report.section_problems": ((T.EXECUTION_REPORT, K.UPDATED),),
    "report.feedback": ((T.EXECUTION_REPORT, K.STATE_CHANGED), (T.FEEDBACK_FORM, K.CREATED)),
    "report.respond": ((T.FEEDBACK_FORM, K.UPDATED),),
    "report.accept": ((T.EXECUTION_REPORT, K.STATE_CHANGED),),
    "registration.file": ((T.REGISTRATION, K.CREATED),),
    "registration.change": ((T.REGISTRATION, K.UPDATED),),
    "registration.renew": ((T.REGISTRATION, K.UPDATED),),
    "registration.cancel": ((T.REGISTRATION, K.STATE_CHANGED),),
}

# The objects whose audit entry names them by their row id (``object_id``); the others are named by a
# key people read (a permit number, a credit code) and their writers give the row id (``changed=``).
ROW_ID_IS_OBJECT_ID: frozenset[ObjectType] = frozenset(
    {T.PERMIT_APPLICATION, T.LEDGER_ENTRY, T.READING, T.EXCEEDANCE, T.SHUTDOWN, T.FEEDBACK_FORM}
)

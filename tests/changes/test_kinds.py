"""Every audited action is either a change the feed reports or named here as none an integrator syncs."""

from domain.audit.labels import ACTION_LABELS
from domain.changes.kinds import CHANGES_OF

# Accounts, sessions, calendars, agencies' register and supervision's steps are not synced objects;
# a batch of readings writes one event per reading itself (domain.ledgers.service.readings).
NOT_SYNCED_PREFIXES = (
    "user.",
    "token.",
    "webhook.",
    "session.",
    "notifications.",
    "calendar.",
    "agency.",
    "problem.",
    "rectification.",
    "inspection",
    "linkage.",
    "lead.",
    "case.",
    "standing.",
    "grading.",
    "hj212.",
    "site.",
    "quality.",
    "unit_credit.",
)
# A draft's files are the unit's work in progress: filed, they are part of the submission (REPORT_SUBMISSION
# CREATED); an urging tells people, it changes no object.
# The batch of a history import is not a synced object: what it wrote is (its own entries).
# Archiving moves whole months of readings past the five-year window to the archive schema: no reading
# changes (docs/operations.md).
NOT_SYNCED = {
    "ledger.readings",
    "ledger.archive_readings",
    "report.attach",
    "report.detach",
    "report.urge",
    "history.import",
}


def test_every_audited_action_is_classified():
    unclassified = [
        action
        for action in ACTION_LABELS
        if action not in CHANGES_OF
        and action not in NOT_SYNCED
        and not action.startswith(NOT_SYNCED_PREFIXES)
    ]
    assert unclassified == []


def test_every_change_is_an_audited_action():
    assert set(CHANGES_OF) <= set(ACTION_LABELS)

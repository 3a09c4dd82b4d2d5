"""General audit rules (every industry), codes G001…, one module per part of the report; each rule has a
test with a passing and a failing report. Their shared readings of a report are in
``domain.audit_rules.content``; ``domain.audit_rules.ruleset`` loads them all."""

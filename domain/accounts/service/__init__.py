"""Use cases of accounts, by capability: ``users`` (create, change a password, disable), ``logins`` (the
login back-off), ``sessions`` (portal sessions held on the server), ``tokens`` (API tokens)."""

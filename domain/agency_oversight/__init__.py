"""Oversight of the agencies (第三方技术服务机构) through what they filed: the credit events a regulator
records with their evidence (a submission, a feedback form, readings the agency entered), what an agency
filed for its clients, the agency's page with its events and their sources.

It sits above the areas whose records it reads (reports, ledgers, permits), while ``domain.agencies``
(the register: agencies, their staff, authorisations and the credit events themselves) sits below them, so
that filing a report can move an agency's credit without a cycle between the two."""

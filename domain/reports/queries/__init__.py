"""The read side of execution reports, by capability: ``schedule``, ``editor`` (the draft, its check, the
confirmation of a filing), ``report`` (a report, its receipt), ``chain`` (the hash chain's check), ``review``
(the regulators' queue and review page), ``statistics`` (filing rates, the dashboard), ``public`` (annual
reports as anyone reads them) and ``rows`` (reports as one reader may see them: the API's lists and
dataloaders). Nothing here writes."""

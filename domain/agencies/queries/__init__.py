"""What the agency pages and the API show of the register (第三方技术服务机构), permissions checked here:
``directory`` (the public directory, the review lists, one agency for the API), ``credit`` (score, events,
score history, the regulators' ranking), ``authorisations`` (a unit's authorisations, an agency's clients,
the contract scan); ``lookup`` finds an agency for a viewer. What an agency filed, its events with the
records behind them and its page are read in ``domain.agency_oversight.queries``."""

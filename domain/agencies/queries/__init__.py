"""What the agency pages and the API show (第三方技术服务机构), one call per page, permissions checked here:
``directory`` (the public directory, the review lists, one agency for the API), ``credit`` (events with the
filing behind each, score history, the public credit page, the regulators' ranking), ``filings`` (what an
agency filed for its clients), ``profile`` (an agency's page and its staff's home), ``authorisations`` (a
unit's authorisations, an agency's clients, the contract scan); ``lookup`` finds an agency for a viewer."""

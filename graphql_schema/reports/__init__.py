"""GraphQL face of execution reports (执行报告)."""

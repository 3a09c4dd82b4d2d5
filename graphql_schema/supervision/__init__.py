"""The API of supervision, one module per part of ``domain.supervision``."""

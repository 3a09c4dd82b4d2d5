# Route parameter convertors are registered before any route is built (see portal/input_guard.py).
from portal import input_guard as _input_guard  # noqa: F401

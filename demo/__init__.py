"""The demo city: a believable small city of regulators, enterprises, their staff and permits.

Not part of the product: ``permitwatch demo`` loads it into an empty database for demonstrations,
the browser tests and load tests. It imports only ``domain`` and writes only through the domain's use
cases, as the city's own actors, so what it leaves is what real use would leave (history, public
announcements, audit trail). ``demo.load`` loads it; ``demo.city`` says who is in it.
"""

"""The business heart of permitwatch: entities, rules and use cases.

Nothing in this package imports starlette or strawberry; the portal and the
GraphQL API both call the use cases defined here.
"""

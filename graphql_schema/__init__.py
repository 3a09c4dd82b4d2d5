"""The GraphQL face of permitwatch (strawberry): thin types and resolvers over the domain."""

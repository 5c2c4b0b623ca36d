"""The GraphQL API (strawberry on starlette) and the `threadline` command line."""

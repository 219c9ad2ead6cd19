"""The GraphQL API: strawberry types (`types`), the schema (`schema`), and the ASGI endpoint (`endpoint`)."""

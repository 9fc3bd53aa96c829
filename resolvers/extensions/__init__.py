"""The GraphQL schema's extensions: document limits, cost, error policy, executor."""

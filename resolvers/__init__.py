"""Strawberry types and the Query / Mutation fields, one module per area."""

"""Shared mechanics with no domain knowledge: the clock, caches, background tasks, mail
transport, password hashing, tokens. Importable by every layer; imports none of them."""

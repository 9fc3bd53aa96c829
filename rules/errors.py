"""The one error a rule raises: the caller's input cannot be used."""

from __future__ import annotations


class InvalidInput(Exception):
    """The caller's input cannot be used; `field` names it.

    The message is shown to clients: it says what to fix, never how the server works.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message  # without the field: the GraphQL layer puts it in front

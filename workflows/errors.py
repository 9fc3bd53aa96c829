"""Errors workflows raise on purpose; the GraphQL layer maps each to an `extensions.code`."""

from __future__ import annotations

from rules.errors import InvalidInput

__all__ = ["InvalidInput", "Missing", "Refused", "Throttled", "WorkflowError"]


class WorkflowError(Exception):
    """Base of the expected errors of this package: the message is shown to clients."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Throttled(WorkflowError):
    """Too many attempts: try again in `retry_after_seconds`."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Missing(WorkflowError):
    """What the caller named does not exist (or is not theirs to see)."""


class Refused(WorkflowError):
    """The caller may not do this."""

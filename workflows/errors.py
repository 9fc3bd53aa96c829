"""Errors workflows raise on purpose; the GraphQL layer maps each to an `extensions.code`."""

from __future__ import annotations

from rules.errors import InvalidInput

__all__ = [
    "InvalidInput",
    "Missing",
    "NotSignedIn",
    "Refused",
    "Suspended",
    "TermsRequired",
    "Throttled",
    "WorkflowError",
]


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


class NotSignedIn(WorkflowError):
    """The caller's account is not (or no longer) one they may act as: it was deleted
    while they held its token, or they sent none."""


class Suspended(WorkflowError):
    """The account is suspended: it gets no token (told only to whoever proved to own it)."""

    def __init__(self) -> None:
        super().__init__("this account is suspended")


class TermsRequired(WorkflowError):
    """Publishing waits until the caller accepted the current terms of use."""

    def __init__(self, version: str, url: str | None) -> None:
        super().__init__(f"accept the terms of use (version {version}) first, with acceptTerms")
        self.version = version
        self.url = url

"""Errors the API means to show, each with its `extensions.code`.

Resolvers raise these; the layers below raise their own (`workflows.errors`,
`storage.errors`), which `as_api_error` maps here. Anything else that escapes a resolver
is unexpected and gets masked by the error policy. Messages say what to fix, never how
the server works.
"""

from __future__ import annotations

from typing import Any

from storage.errors import MediaRejected, StorageUnavailable
from workflows.errors import (
    InvalidInput,
    Missing,
    NotSignedIn,
    Refused,
    Suspended,
    TermsRequired,
    Throttled,
)


class ApiError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        # graphql-core copies `extensions` from the original error onto the GraphQLError.
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in required") -> None:
        super().__init__(message)


class Forbidden(ApiError):
    code = "FORBIDDEN"


class AccountSuspended(ApiError):
    """Log-in to an account a moderator suspended."""

    code = "ACCOUNT_SUSPENDED"

    def __init__(self) -> None:
        super().__init__("this account is suspended")


class NotFound(ApiError):
    code = "NOT_FOUND"


class TermsNotAccepted(ApiError):
    """Publishing waits until the caller accepted the current terms of use."""

    code = "TERMS_NOT_ACCEPTED"

    def __init__(self, version: str, url: str | None) -> None:
        super().__init__(
            f"accept the terms of use (version {version}) first, with acceptTerms",
            terms_version=version,
            terms_url=url,
        )


class RateLimited(ApiError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(ApiError):
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str = "the database is unavailable, try again shortly") -> None:
        super().__init__(message)


class NotImplementedYet(ApiError):
    """A field of the seed schema whose feature has not been built yet."""

    code = "NOT_IMPLEMENTED"


def as_api_error(error: BaseException) -> ApiError | None:
    """What the client sees of an expected error of any layer; None when unexpected."""
    if isinstance(error, ApiError):
        return error
    if isinstance(error, InvalidInput | MediaRejected):
        return BadUserInput(error.field, error.message)
    if isinstance(error, Throttled):
        return RateLimited(error.message, error.retry_after_seconds)
    if isinstance(error, Missing):
        return NotFound(error.message)
    if isinstance(error, Refused):
        return Forbidden(error.message)
    if isinstance(error, NotSignedIn):
        return Unauthenticated(error.message)
    if isinstance(error, Suspended):
        return AccountSuspended()
    if isinstance(error, TermsRequired):
        return TermsNotAccepted(error.version, error.url)
    if isinstance(error, StorageUnavailable):
        return ServiceUnavailable("media storage is unavailable, try again shortly")
    return None

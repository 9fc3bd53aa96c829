"""Errors the API means to show, each with its `extensions.code`.

Resolvers raise these; anything else that escapes a resolver is unexpected and gets
masked by `api.error_policy`. Messages say what to fix, never how the server works.
"""

from __future__ import annotations

from typing import Any


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


class NotFound(ApiError):
    code = "NOT_FOUND"


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

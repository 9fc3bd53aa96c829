"""What a client sees of an error: readable when expected, masked when not.

Expected errors (`ApiError`, GraphQL syntax and validation errors) pass through with a
code. Database outages become `SERVICE_UNAVAILABLE`. Anything else is logged with the
request id and replaced by a generic message carrying that id, so a user report can
be matched with the server's log line without leaking internals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from strawberry.extensions import SchemaExtension

from api.errors import ApiError, ServiceUnavailable

log = logging.getLogger("api.errors")

MASKED_MESSAGE = "Internal server error"

_DATABASE_DOWN = (ConnectionFailure, ServerSelectionTimeoutError)


def _request_id(context: Any) -> str | None:
    return getattr(context, "request_id", None)


def classify(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """Return the error the client should see for `error`."""
    original = error.original_error
    extra = {"request_id": request_id} if request_id else {}
    if original is None or isinstance(original, GraphQLError):
        # Syntax, validation, variable coercion (graphql-core wraps the coercion error,
        # e.g. an unknown enum value, in another GraphQLError) or a limit refused by an
        # extension: the client's mistake, never a server error.
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {}), **extra}
        return _with(error, error.message, extensions)
    if isinstance(original, ApiError):
        return _with(error, error.message, {**original.extensions, **extra})
    if isinstance(original, _DATABASE_DOWN):
        log.warning("database unavailable request_id=%s: %s", request_id, original)
        unavailable = ServiceUnavailable()
        return _with(error, unavailable.message, {**unavailable.extensions, **extra})
    log.error(
        "unexpected error request_id=%s path=%s",
        request_id,
        ".".join(str(p) for p in error.path or ()),
        exc_info=original,
    )
    return _with(error, MASKED_MESSAGE, {"code": "INTERNAL_SERVER_ERROR", **extra})


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self.execution_context.context)
        result.errors = [classify(error, request_id) for error in result.errors]

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

from resolvers.errors import ServiceUnavailable, as_api_error
from resolvers.extensions.document_gate import strip_suggestions
from resolvers.extensions.executor_fence import built_schema
from resolvers.extensions.operation_label import root_field_label

log = logging.getLogger("resolvers.errors")

MASKED_MESSAGE = "Internal server error"

_DATABASE_DOWN = (ConnectionFailure, ServerSelectionTimeoutError)


def _request_id(context: Any) -> str | None:
    return getattr(context, "request_id", None)


def classify(
    error: GraphQLError,
    request_id: str | None,
    *,
    hide_suggestions: bool = False,
    user_id: str | None = None,
) -> GraphQLError:
    """Return the error the client should see for `error`.

    `hide_suggestions` (production) drops graphql-core's "Did you mean …?" hints, which
    only validation and coercion messages carry. `user_id` (the signed-in viewer) goes
    on the log record of an unexpected error, where error tracking reads it.
    """
    original = error.original_error
    extra = {"request_id": request_id} if request_id else {}
    # Variable coercion (an unknown enum value, an Int out of range) wraps the GraphQLError
    # the type raised: a client mistake like any validation error, not a server fault.
    if original is None or isinstance(original, GraphQLError):
        # Syntax, validation, variable coercion or a limit refused by an extension.
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {}), **extra}
        message = strip_suggestions(error.message) if hide_suggestions else error.message
        return _with(error, message, extensions)
    expected = as_api_error(original)
    if expected is not None:
        return _with(error, expected.message, {**expected.extensions, **extra})
    if isinstance(original, _DATABASE_DOWN):
        log.warning("database unavailable request_id=%s: %s", request_id, original)
        unavailable = ServiceUnavailable()
        return _with(error, unavailable.message, {**unavailable.extensions, **extra})
    log.error(
        "unexpected error request_id=%s path=%s",
        request_id,
        ".".join(str(p) for p in error.path or ()),
        exc_info=original,
        extra={"user_id": user_id} if user_id else None,
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
    def __init__(self, *, production: bool = False) -> None:
        self.production = production

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        log_fields = getattr(context, "log", None)
        if isinstance(log_fields, dict):
            if self.execution_context.operation_name:
                log_fields["operation"] = self.execution_context.operation_name
            # The metrics' label (api/metrics.py): from the schema, not the client.
            log_fields["root_field"] = root_field_label(
                built_schema(self.execution_context.schema),
                self.execution_context.graphql_document,
                self.execution_context.operation_name,
            )
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(context)
        claims = getattr(context, "claims", None)
        user_id = None if claims is None else str(claims.user_id)
        result.errors = [
            classify(error, request_id, hide_suggestions=self.production, user_id=user_id)
            for error in result.errors
        ]

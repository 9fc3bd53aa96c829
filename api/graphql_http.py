"""The GraphQL endpoint over HTTP: Strawberry's view, with every request error answered
the way clients read errors.

Strawberry answers a request it cannot run (bad JSON, a wrong content type, `query` not
a string...) with a text/plain 400, and a body that is valid JSON but no object (`null`,
`5`, `"x"`) crashed it into a 500. Here every such request gets a 4xx whose body is
GraphQL-shaped JSON, `{"errors": [{"message", "extensions": {"code", "request_id"}}]}`,
so the app's error handling sees one shape whatever went wrong:

- `BAD_REQUEST`: the HTTP request is not a GraphQL request (body, content type, the
  types of `query`, `variables`, `operationName`, `extensions`);
- `GRAPHQL_VALIDATION_FAILED` (HTTP 200, with `data: null`, as graphql-core answers it):
  the document names no operation to run: several operations and no `operationName`,
  an `operationName` the document does not define, or no operation at all.

On top of Strawberry's view, as mobile clients expect it:
- persisted queries (api/persisted_queries.py) fill in or check the document first;
- queries may come over GET; a mutation over GET is refused with 405 and not run;
- clients accepting `application/graphql-response+json` get that media type, and a 400
  without `data` when nothing ran (GraphQL over HTTP); `application/json` clients keep
  the classic 200 with `data: null`;
- every answer says what caches may keep of it (`cache_control`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.graphiql_assets import local_page
from api.persisted_queries import PersistedQueries, PersistedQueryRefused
from resolvers.context import Context, get_context, request_state
from resolvers.errors import ServiceUnavailable

BAD_REQUEST = "BAD_REQUEST"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


def error_body(message: str, code: str, request_id: str | None) -> bytes:
    extensions: dict[str, str] = {"code": code}
    if request_id:
        extensions["request_id"] = request_id
    return orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})


def request_error(status: int, message: str, code: str, scope: Scope) -> Response:
    """A GraphQL-shaped JSON error for a request refused before any GraphQL ran."""
    state = request_state(scope)
    request_id = state.get("request_id")
    if "request_log" in state:  # the outcome the metrics count (api.metrics)
        state["request_log"]["outcome"] = code
    return Response(
        error_body(message, code, request_id),
        status_code=status,
        media_type="application/json",
    )


GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"


def accepts_graphql_response(accept: str) -> bool:
    """Whether the client accepts the GraphQL-over-HTTP media type (with any q but 0).
    Clients that send only `application/json` (or nothing) keep the classic answers."""
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media.lower() == "application/graphql-response+json":
            return not any(
                p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params
            )
    return False


def _outcome(result: ExecutionResult) -> str:
    if not result.errors:
        return "ok"
    code = (result.errors[0].extensions or {}).get("code")
    return code if isinstance(code, str) else "ERROR"


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing ran: errors with no path (parse, validation, variable coercion, a limit),
    and no data. An execution error has a path, even when it nulls the whole answer."""
    return (
        result.data is None
        and bool(result.errors)
        and all(not error.path for error in result.errors or ())
    )


# How long a shared cache (a CDN) may keep an anonymous query's answer: short, since
# moderation may hide a video the anonymous feed shows.
PUBLIC_MAX_AGE_SECONDS = 30
NOT_STORED = "private, no-store"


def cache_control(scope: Scope, status: int) -> str:
    """Only what no viewer changes may be kept by a shared cache: a query sent over GET
    without credentials, answered 200 without errors. Anything else (POST, so every
    mutation; anything with Authorization; errors, which may be a throttle's or a
    request id's) is stored by no cache at all."""
    if scope.get("method") != "GET" or status != 200:
        return NOT_STORED
    if any(key == b"authorization" for key, _ in scope.get("headers", ())):
        return NOT_STORED
    if request_state(scope).get("graphql_errors", True):  # the IDE page, or errors
        return NOT_STORED
    return f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"


def _operation_error(error: CannotGetOperationTypeError, context: Any) -> ExecutionResult:
    # graphql-core's own wording for the two cases (`execute` returns them as errors).
    if error.operation_name is None:
        message = "Must provide an operation."
    else:
        message = f"Unknown operation named '{error.operation_name}'."
    extensions = {"code": VALIDATION_FAILED}
    request_id = getattr(context, "request_id", None)
    if request_id:
        extensions["request_id"] = request_id
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions=extensions)])


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self,
        *args: Any,
        persisted: PersistedQueries,
        ide_assets: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.persisted = persisted
        self.ide_assets = ide_assets

    @property
    def graphql_ide_html(self) -> str:
        # GraphiQL on the copies this app serves, once they are all there (looked up at
        # each page view: development only, and `make start` may fetch them meanwhile).
        if self.ide_assets is not None:
            local = local_page(self.ide_assets)
            if local is not None:
                return local
        return super().graphql_ide_html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        graphql_response = accepts_graphql_response(request.headers.get("accept", ""))
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = request_error(error.status_code, error.reason, BAD_REQUEST, scope)
        except PersistedQueryRefused as error:
            response = request_error(error.status, error.message, error.code, scope)
        except PyMongoError:
            # Only the persisted-query registry is read before the GraphQL layer, which
            # answers outages itself.
            response = request_error(503, ServiceUnavailable().message, SERVICE_UNAVAILABLE, scope)
        if graphql_response and response.media_type == "application/json":
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if response.status_code == 200 and request_state(scope).get("graphql_request_error"):
                response.status_code = 400
        if response.status_code == 405:
            response.headers["allow"] = "POST"
        response.headers["cache-control"] = cache_control(scope, response.status_code)
        response.headers["vary"] = "Accept, Authorization"
        await response(scope, receive, send)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        # What `cache_control` needs to know of the answer, read once the response is made.
        state = request_state(request.scope)
        state["graphql_errors"] = bool(result.errors)
        record = state.get("request_log")
        if record is not None:  # the outcome the metrics count (api.metrics)
            record["outcome"] = _outcome(result)
        processed = await super().process_result(request, result)
        if is_request_error(result) and accepts_graphql_response(request.headers.get("accept", "")):
            # GraphQL over HTTP: a document that did not parse or validate, or variables
            # that did not coerce, ran nothing: no `data` entry, and a 4xx (set above).
            processed.pop("data", None)
            state["graphql_request_error"] = True
        return processed

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A hash-only persisted query over GET has no `query` either: not the IDE.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        return await get_context(request, response)

    # orjson instead of the json module: a feed page's answer is ~10 KB, and encoding it
    # was 4% of the page's CPU (bench/). Its decode error is a json.JSONDecodeError, which
    # Strawberry already answers with a 400.
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        value = orjson.loads(data)
        # Whatever Strawberry decodes (a POST body; a GET's `variables` or `extensions`)
        # must be an object; a list is a batch, which Strawberry itself refuses while
        # batching is off. Strawberry calls `.get` on anything else: a 500.
        if not isinstance(value, dict | list):
            raise HTTPException(400, "the request body must be a JSON object")
        return value

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, str | None):
                raise HTTPException(
                    400, "The GraphQL operation's `operationName` must be a string or null."
                )
        return data

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        client = getattr(kwargs.get("context"), "client_ip", "unknown")
        kwargs["request_data"] = await self.persisted.resolve(kwargs["request_data"], client)
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            # Strawberry turns "no such operation" into a plain 400 before any hook runs;
            # graphql-core (and the spec) make it a request error like any validation one.
            if isinstance(error.__cause__, CannotGetOperationTypeError):
                return _operation_error(error.__cause__, kwargs.get("context"))
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # A mutation over GET: a link or an image tag could make a browser send
                # one (CSRF), and GETs may be retried or prefetched. The spec's answer.
                raise HTTPException(405, "mutations are accepted over POST only") from error
            raise

"""GraphQL limits that make abusive documents cheap to refuse.

Numbers come from the schema's own needs and graphql-armor's defaults:
- depth 10: the deepest legitimate query (feedPage → edges → node → user → videos →
  edges → node → user → pseudo) is 9 levels; graphql-armor's default is 6, too tight here.
- aliases 15 and tokens 1,000: graphql-armor's defaults; the app uses no aliases and its
  largest document is ~120 tokens.
- directives 50 (graphql-armor's default): the app sends none.
- request body 64 KiB: the largest legitimate request (a document plus 2,000 characters of
  notes) is under 8 KiB; Starlette would otherwise read any size into memory.

Parsing and validating a document costs more CPU than executing most of them, and
the app sends the same few documents over and over: both steps are cached, per document
text (resolvers/extensions/document_cache.py: one client cannot flush everyone's
entries). The limits still apply: a document is parsed under the token limit and
validated under every rule before its result is cached; the cost budget, which depends
on the variables, is checked on every request. New documents are validated fairly, within
a budget per client address (resolvers/extensions/validation_queue.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    parse,
    specified_rules,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from resolvers.extensions.document_cache import DocumentCache
from resolvers.extensions.document_shape import shape_rule
from resolvers.extensions.executor_fence import built_schema, validate_document
from resolvers.extensions.query_cost import over_budget
from resolvers.extensions.validation_queue import (
    VALIDATION_SECONDS_PER_MINUTE,
    ValidationQueue,
    ValidationRefused,
)

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 1000
MAX_DIRECTIVES = 50
MAX_BODY_BYTES = 64 * 1024
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


def strip_suggestions(message: str) -> str:
    """Remove graphql-core's "Did you mean …?" hints, which leak the schema's field names."""
    return _SUGGESTION.sub("", message)


class _MaxDirectives(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        self.count += 1
        if self.count == MAX_DIRECTIVES + 1:
            self.report_error(
                GraphQLError(f"too many directives: at most {MAX_DIRECTIVES} per document", node)
            )


# Budget verdicts kept per document, one per distinct set of page sizes asked for.
_VERDICTS_PER_DOCUMENT = 32
_Verdict = GraphQLError | None


class _Document:
    """A document text, parsed once and validated once (the errors, [] when valid), with
    its cost verdicts so far."""

    __slots__ = ("errors", "node", "validating", "verdicts", "vouched")

    def __init__(self, node: DocumentNode) -> None:
        self.node = node
        self.errors: list[GraphQLError] | None = None
        self.verdicts: dict[tuple[tuple[str, Any], ...], _Verdict] = {}
        # Trusted, or from the persisted-query registry: validated first, never counted.
        self.vouched = False
        # The validation under way, which concurrent requests for this text share.
        self.validating: asyncio.Future[list[GraphQLError]] | None = None

    async def validated(
        self,
        queue: ValidationQueue,
        schema: GraphQLSchema,
        rules: tuple[type[ASTValidationRule], ...],
        client: str | None,
    ) -> list[GraphQLError]:
        """The validation errors, validating once however many requests ask at once."""
        while self.errors is None:
            if self.validating is None:
                return await self._validate(queue, schema, rules, client)
            try:
                return await asyncio.shield(self.validating)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                # The request validating it went away (or failed): validate here instead.
        return self.errors

    async def _validate(
        self,
        queue: ValidationQueue,
        schema: GraphQLSchema,
        rules: tuple[type[ASTValidationRule], ...],
        client: str | None,
    ) -> list[GraphQLError]:
        validating = self.validating = asyncio.get_running_loop().create_future()
        try:
            errors = await queue.validate(
                schema, self.node, rules, None if self.vouched else client
            )
        except BaseException:
            validating.cancel()  # those waiting validate for themselves
            raise
        finally:
            self.validating = None
        self.errors = errors
        validating.set_result(errors)
        return errors

    def over_budget(self, schema: GraphQLSchema, variables: Mapping[str, Any]) -> _Verdict:
        """`over_budget` for these variables, remembered: the cost reads a variable only
        as a page size, i.e. only whether it is absent, an int, or anything else."""
        key = tuple(
            (name, value if isinstance(value, int) else None) for name, value in variables.items()
        )
        if key in self.verdicts:
            return self.verdicts[key]
        verdict = over_budget(schema, self.node, variables)
        if len(self.verdicts) >= _VERDICTS_PER_DOCUMENT:
            self.verdicts.clear()
        self.verdicts[key] = verdict
        return verdict


# The documents clients send, parsed and validated, by their text alone: one cache serves
# one schema with one set of rules and parse options. (Strawberry's ParserCache and
# ValidationCache key validation on the document tree, hashed node by node every request.)
_Documents = DocumentCache[_Document]


def _client(context: Any) -> str:
    """The address whose budget a new document counts against."""
    return str(getattr(context, "client_ip", None) or "unknown")


class DocumentGate(SchemaExtension):
    """Every limit on a document, and the caches that make the limits cheap, as one
    extension: a token cap while parsing, the depth/alias/directive (and, in production,
    introspection) rules while validating, then the cost budget for these variables.
    One extension rather than five: each extension's hooks cost every request.
    """

    def __init__(
        self,
        rules: tuple[type[ASTValidationRule], ...],
        documents: _Documents,
        queue: ValidationQueue,
    ) -> None:
        self.rules = rules
        self.documents = documents
        self.queue = queue
        self.document: _Document | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text:
            self.document = self.documents.get(text, partial(_client, context.context))
            if self.document is None:
                # A document that fails to parse is left to Strawberry's own parse (with
                # the same token cap): raised from this hook, the syntax error would skip
                # the error policy and reach the client without a code.
                with contextlib.suppress(GraphQLError):
                    self.document = _Document(parse(text, max_tokens=MAX_TOKENS))
                    self.documents.put(text, self.document)
            if self.document is not None:
                context.graphql_document = self.document.node
        context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        node = context.graphql_document
        if node is not None:
            schema = built_schema(context.schema)
            variables = context.variables or {}
            rules = (*context.validation_rules, *self.rules)
            document = self.document
            if document is None or document.node is not node:  # not from the cache
                document = _Document(node)
            errors = document.errors  # a cached document's: no address read, no await
            if errors is None:
                try:
                    errors = await document.validated(
                        self.queue, schema, rules, _client(context.context)
                    )
                except ValidationRefused as refusal:
                    context.pre_execution_errors = [_rate_limited(refusal)]
                    yield
                    return
            refused = None if errors else document.over_budget(schema, variables)
            if not errors and _unnamed_among_several(context, node):
                errors = [GraphQLError(MULTIPLE_OPERATIONS)]
            # Strawberry answers any pre-execution error without running anything, and
            # skips its own validation since this one ran.
            context.pre_execution_errors = [*errors, refused] if refused else list(errors)
        yield


def _rate_limited(refusal: ValidationRefused) -> GraphQLError:
    return GraphQLError(
        str(refusal),
        extensions={"code": "RATE_LIMITED", "retry_after": refusal.retry_after_seconds},
    )


# The GraphQL spec's request error (graphql-core's wording).
MULTIPLE_OPERATIONS = "Must provide operation name if query contains multiple operations."


def _operations(node: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in node.definitions)


def _unnamed_among_several(context: Any, node: DocumentNode) -> bool:
    """Several operations and no `operationName`: the spec requires an error. Strawberry's
    execution context answers `operation_name` with the first operation's name when none
    was given (and graphql-core then runs that one), so the name the client sent is read
    from where Strawberry keeps it."""
    provided = getattr(context, "_provided_operation_name", None)
    return provided is None and _operations(node) > 1


ExtensionFactory = Callable[[], SchemaExtension]


class DocumentLimits:
    """The limits and the document cache, shared by the per-request extension and by
    what admits documents outside a request: the persisted-query registry and the
    trusted-documents manifest (api/persisted_queries.py).

    The validation rules are built once, here. Depth and aliases are measured by
    `document_shape`, in time linear in the document (Strawberry's QueryDepthLimiter and
    MaxAliasesLimiter walk every expansion of every fragment: exponential).
    """

    def __init__(
        self,
        *,
        production: bool,
        validation_seconds_per_minute: float = VALIDATION_SECONDS_PER_MINUTE,
    ) -> None:
        rules: list[type[ASTValidationRule]] = [
            shape_rule(max_depth=MAX_DEPTH, max_aliases=MAX_ALIASES),
            _MaxDirectives,
        ]
        if production:
            # The SDL is published in the repository; production does not describe itself.
            # (This is strawberry's DisableIntrospection rule.)
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self.documents = _Documents()
        self.queue = ValidationQueue(validation_seconds_per_minute)

    def extension(self) -> ExtensionFactory:
        """A factory, not an instance: Strawberry then builds a fresh extension per
        request, so concurrent requests never share an extension's execution context."""
        return partial(DocumentGate, self.rules, self.documents, self.queue)

    def _parsed(self, text: str, client: str | None) -> _Document | GraphQLError:
        document = self.documents.get(text, lambda: client)
        if document is None:
            try:
                document = _Document(parse(text, max_tokens=MAX_TOKENS))
            except GraphQLError as error:
                return error
            self.documents.put(text, document)
        return document

    async def refusals(
        self, schema: GraphQLSchema, text: str, client: str | None = None
    ) -> list[GraphQLError]:
        """Why `text` fails the limits (the token cap, every validation rule), [] when it
        passes; through the cache, so a document just served costs nothing here. The
        cost budget is not among them: it depends on each request's variables. `client`
        (an address) pays for the validation; a refusal of its budget is a refusal."""
        document = self._parsed(text, client)
        if isinstance(document, GraphQLError):
            return [document]
        try:
            return await document.validated(self.queue, schema, self._all_rules, client)
        except ValidationRefused as refusal:
            return [_rate_limited(refusal)]

    def vouch(self, text: str) -> None:
        """`text` comes from the persisted-query registry (it passed the limits when it
        was stored): kept in the main cache, validated first, counted to nobody."""
        document = self._parsed(text, None)
        if isinstance(document, _Document) and not document.vouched:
            document.vouched = True
            self.documents.vouch(text, document)

    def check(self, schema: GraphQLSchema, text: str) -> list[GraphQLError]:
        """`refusals`, in the calling thread: for start-up (the trusted documents, then
        pinned in the cache), before any loop serves."""
        document = self._parsed(text, None)
        if isinstance(document, GraphQLError):
            return [document]
        if document.errors is None:
            document.errors = validate_document(schema, document.node, self._all_rules)
        document.vouched = True
        if not document.errors:
            self.documents.pin(text, document)
        return document.errors

    @property
    def _all_rules(self) -> tuple[type[ASTValidationRule], ...]:
        # What a request validates with: Strawberry's default rules (the spec's), then ours.
        return (*specified_rules, *self.rules)


def security_extensions(*, production: bool) -> list[ExtensionFactory]:
    """The gate's extension factory, with a limits object of its own."""
    return [DocumentLimits(production=production).extension()]

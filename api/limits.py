"""GraphQL limits that make abusive documents cheap to refuse.

Numbers come from the schema's own needs and graphql-armor's defaults:
- depth 10: the deepest legitimate query (feedPage → edges → node → user → videos →
  edges → node → user → pseudo) is 9 levels; graphql-armor's default is 6, too tight here.
- aliases 15 and tokens 1,000: graphql-armor's defaults; the app uses no aliases and its
  largest document is ~120 tokens.
- directives 50 (graphql-armor's default): the app sends none.
- request body 64 KiB: the largest legitimate request (a document plus 2,000 characters of
  notes) is under 8 KiB; Starlette would otherwise read any size into memory.

Parsing and validating a document costs more CPU than executing most of them (bench/), and
the app sends the same few documents over and over: both steps are cached, per document
text, in bounded LRU caches. The limits still apply: a document is parsed under the token
limit and validated under every rule before its result is cached.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    GraphQLError,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from api.query_cost import QueryCostLimiter

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 1000
MAX_DIRECTIVES = 50
MAX_BODY_BYTES = 64 * 1024
# Distinct documents kept parsed and validated. The app sends a few dozen; a client
# sending endless new ones only evicts entries, each bounded by MAX_TOKENS.
DOCUMENT_CACHE_SIZE = 256

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


class _ParserCache(ParserCache):
    """Strawberry's ParserCache, except that a document that fails to parse is left to
    Strawberry's own parse: raised from an extension hook, the syntax error would skip
    the error policy and reach the client without a code."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


ExtensionFactory = Callable[[], SchemaExtension]


def security_extensions(*, production: bool) -> list[ExtensionFactory]:
    """Factories, not instances: Strawberry then builds fresh extensions per request, so
    concurrent requests never share an extension's execution context.

    The validation rules are built once, here. (Strawberry's QueryDepthLimiter and
    MaxAliasesLimiter build a new rule class per instance, i.e. per request: every
    validation would then miss the cache, whose key holds the rules.)
    """
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(MAX_DEPTH, None, None),
        max_aliases_rule(MAX_ALIASES),
        _MaxDirectives,
    ]
    if production:
        # The SDL is published in the repository; production does not describe itself.
        # (This is strawberry's DisableIntrospection rule.)
        rules.append(NoSchemaIntrospectionCustomRule)
    return [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(_ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        # After the cache: its result depends on the variables, so it is never cached,
        # and it adds its error to what validation found.
        QueryCostLimiter,
    ]

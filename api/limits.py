"""GraphQL limits that make abusive documents cheap to refuse.

Numbers come from the schema's own needs and graphql-armor's defaults:
- depth 10: the deepest legitimate query (feedPage → edges → node → user → videos →
  edges → node → user → pseudo) is 9 levels; graphql-armor's default is 6, too tight here.
- aliases 15 and tokens 1,000: graphql-armor's defaults; the app uses no aliases and its
  largest document is ~120 tokens.
- directives 50 (graphql-armor's default): the app sends none.
- request body 64 KiB: the largest legitimate request (a document plus 2,000 characters of
  notes) is under 8 KiB; Starlette would otherwise read any size into memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import DirectiveNode, GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from api.query_cost import QueryCostLimiter

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


ExtensionFactory = Callable[[], SchemaExtension]


def security_extensions(*, production: bool) -> list[ExtensionFactory]:
    """Factories, not instances: Strawberry then builds fresh extensions per request, so
    concurrent requests never share an extension's execution context."""
    extensions: list[ExtensionFactory] = [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(AddValidationRules, [_MaxDirectives]),
        QueryCostLimiter,
    ]
    if production:
        # The SDL is published in the repository; production does not describe itself.
        extensions.append(DisableIntrospection)
    return extensions

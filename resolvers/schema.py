"""The one schema: each area's Query and Mutation merged, plus the security extensions."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers.accounts import AccountMutation, AccountQuery
from resolvers.auth import AuthMutation
from resolvers.blocks import BlockMutation, BlockQuery
from resolvers.comments import CommentMutation
from resolvers.devices import DeviceMutation
from resolvers.extensions.document_gate import DocumentLimits
from resolvers.extensions.error_policy import ErrorPolicy
from resolvers.extensions.executor_fence import (
    StockExecutionContext,
    built_schema,
    check_fast_executor,
)
from resolvers.extensions.fast_executor import FastFieldsExecutionContext
from resolvers.extensions.validation_queue import VALIDATION_SECONDS_PER_MINUTE
from resolvers.follows import FollowMutation, FollowQuery
from resolvers.gym_crowd import GymCrowdQuery
from resolvers.gyms import GymMutation, GymQuery
from resolvers.logbook import LogbookMutation, LogbookQuery
from resolvers.logbook_pages import LogbookPageQuery
from resolvers.logbook_sync import LogbookSyncMutation, LogbookSyncQuery
from resolvers.moderation import ModerationMutation, ModerationQuery
from resolvers.notifications import NotificationMutation, NotificationQuery
from resolvers.projects import ProjectMutation, ProjectQuery
from resolvers.reports import ReportMutation
from resolvers.stats import StatsQuery
from resolvers.uploads import UploadMutation
from resolvers.users import UserMutation, UserQuery
from resolvers.videos import VideoMutation, VideoQuery

# One Query and one Mutation, merged from one module per area.
Query = merge_types(
    "Query",
    (
        UserQuery,
        VideoQuery,
        LogbookQuery,
        LogbookPageQuery,
        LogbookSyncQuery,
        GymQuery,
        GymCrowdQuery,
        FollowQuery,
        StatsQuery,
        ProjectQuery,
        AccountQuery,
        BlockQuery,
        ModerationQuery,
        NotificationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        AccountMutation,
        UserMutation,
        VideoMutation,
        LogbookMutation,
        LogbookSyncMutation,
        GymMutation,
        UploadMutation,
        FollowMutation,
        ProjectMutation,
        BlockMutation,
        ReportMutation,
        ModerationMutation,
        CommentMutation,
        NotificationMutation,
        DeviceMutation,
    ),
)


class AppSchema(strawberry.Schema):
    # The document limits its gate applies, for what admits documents outside a request.
    document_limits: DocumentLimits

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Logging is the ErrorPolicy extension's job: it knows which errors were
        # expected (not worth a stack trace) and tags the rest with the request id.
        return None


def build_schema(
    *,
    production: bool = False,
    fast_executor: bool = True,
    validation_seconds_per_minute: float = VALIDATION_SECONDS_PER_MINUTE,
) -> AppSchema:
    """`fast_executor`: complete plain fields inline (resolvers.extensions.fast_executor);
    False serves with Strawberry's stock executor (GRAPHQL_EXECUTOR=stock).
    `validation_seconds_per_minute`: each client address's budget for validating new
    documents (resolvers/extensions/validation_queue.py)."""
    limits = DocumentLimits(
        production=production, validation_seconds_per_minute=validation_seconds_per_minute
    )
    extensions: list[Any] = [partial(ErrorPolicy, production=production), limits.extension()]
    schema = AppSchema(
        query=Query,
        mutation=Mutation,
        # The seed schema speaks snake_case fields; operation names are set explicitly.
        config=StrawberryConfig(auto_camel_case=False),
        extensions=extensions,
        execution_context_class=(
            FastFieldsExecutionContext if fast_executor else StockExecutionContext
        ),
    )
    schema.document_limits = limits
    if fast_executor:
        check_fast_executor(built_schema(schema), sample=("Video", "grade"))
    return schema


def export_sdl() -> str:
    return build_schema().as_str() + "\n"

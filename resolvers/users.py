"""The viewer, climbers by id, user search and profile changes. The `User` type and the
pages under it are in resolvers.shared_types."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.errors import Unauthenticated
from resolvers.shared_types import User, load_user
from rules import accounts as account_rules
from rules.ids import parse_id

SEARCH_LIMIT = 20


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User:
        viewer = info.context.require_viewer()
        user = await load_user(info, viewer)
        if user is None:  # the account was deleted after the token was issued
            raise Unauthenticated("this account no longer exists")
        return User.from_document(user)

    @strawberry.field(
        description="The climber with this id; null when there is none or you may not see "
        "them (a block either way, a suspended account)."
    )
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        user_id = parse_id(id, "id")
        user = await info.context.repos.users.visible_card(user_id, await info.context.audience())
        return None if user is None else User.from_document(user)

    @strawberry.field(
        name="searchUsers",
        description=(
            "Users whose pseudo starts with `query` (case-insensitive), "
            f"best matches first, at most {SEARCH_LIMIT}."
        ),
    )
    async def search_users(self, info: Info, query: str) -> list[User]:
        prefix = account_rules.search_prefix(query)
        if prefix is None:
            return []
        found = await info.context.repos.users.search_by_pseudo_prefix(
            prefix, SEARCH_LIMIT, await info.context.audience()
        )
        return [User.from_document(doc) for doc in found]


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        name="updateProfile",
        description="Change the caller's pseudo, bio or avatar; omitted fields are kept, "
        "an empty bio or avatar_url clears it.",
    )
    async def update_profile(
        self,
        info: Info,
        pseudo: str | None = None,
        bio: str | None = None,
        avatar_url: str | None = None,
    ) -> User:
        viewer = info.context.require_viewer()
        user = await info.context.services.profiles.update(viewer, pseudo, bio, avatar_url)
        return User.from_document(user)

"""Accounts: sign-up, log-in, the viewer, profiles and user search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from beanie import PydanticObjectId
from bson import ObjectId

from models.user import UserCard, UserCardRow, UserDocument
from resolvers.context import Info
from resolvers.errors import Unauthenticated
from rules import accounts as account_rules
from rules.ids import parse_id

if TYPE_CHECKING:  # these modules import this one: resolve their types lazily
    from resolvers.follows import UserConnection
    from resolvers.stats import ClimbStats
    from resolvers.videos import VideoConnection

SEARCH_LIMIT = 20
# Shown in place of a user whose account no longer exists (see `User.from_card`).
GONE_PSEUDO = "[deleted account]"


@strawberry.type(name="User")
class User:
    id: strawberry.ID
    pseudo: str
    avatar_url: str | None
    bio: str | None
    follower_count: int = strawberry.field(default=0, description="How many follow this user.")
    following_count: int = strawberry.field(
        default=0, description="How many climbers this user follows."
    )

    @strawberry.field(description="This user's videos, newest first, by cursor.")
    async def videos(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Annotated[VideoConnection, strawberry.lazy("resolvers.videos")]:
        from resolvers.videos import video_page

        return await video_page(info, first, after, user_id=parse_id(self.id, "id"))

    @strawberry.field(
        description="Whether the signed-in caller follows this user; false when anonymous."
    )
    async def is_followed_by_me(self, info: Info) -> bool:
        from resolvers.follows import followed_by_viewer

        return await followed_by_viewer(info, parse_id(self.id, "id"))

    @strawberry.field(description="Who follows this user, the most recent first, by cursor.")
    async def followers(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Annotated[UserConnection, strawberry.lazy("resolvers.follows")]:
        from resolvers.follows import follow_page

        return await follow_page(info, parse_id(self.id, "id"), first, after, followers=True)

    @strawberry.field(description="Whom this user follows, the most recent first, by cursor.")
    async def following(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Annotated[UserConnection, strawberry.lazy("resolvers.follows")]:
        from resolvers.follows import follow_page

        return await follow_page(info, parse_id(self.id, "id"), first, after, followers=False)

    @strawberry.field(
        description="This climber's numbers from their logbook, `from` / `to` days "
        "(YYYY-MM-DD) included. The logbook is private: null unless you are this climber."
    )
    async def stats(
        self,
        info: Info,
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> Annotated[ClimbStats, strawberry.lazy("resolvers.stats")] | None:
        from resolvers.stats import stats_of

        user_id = parse_id(self.id, "id")
        if info.context.viewer_id != user_id:
            return None
        return await stats_of(info, user_id, from_, to)

    @classmethod
    def from_document(cls, doc: UserDocument | UserCard) -> User:
        return cls(
            id=strawberry.ID(str(doc.id)),
            pseudo=doc.pseudo,
            avatar_url=doc.avatar_url,
            bio=doc.bio,
            follower_count=doc.follower_count,
            following_count=doc.following_count,
        )

    @classmethod
    def from_card_row(cls, row: UserCardRow) -> User:
        """What `from_document` makes of the card, straight from the row read."""
        return cls(
            id=strawberry.ID(str(row["_id"])),
            pseudo=row["pseudo"],
            avatar_url=row.get("avatar_url"),
            bio=row.get("bio"),
            follower_count=int(row.get("follower_count", 0)),
            following_count=int(row.get("following_count", 0)),
        )

    @classmethod
    def from_card(cls, user_id: ObjectId, card: UserCard | None) -> User:
        """The user `card` shows, or, when their account is gone, a stand-in: one orphan
        video or follow edge cannot null out a whole page (its user is non-null)."""
        if card is None:
            return cls(
                id=strawberry.ID(str(user_id)), pseudo=GONE_PSEUDO, avatar_url=None, bio=None
            )
        return cls.from_document(card)


async def load_user(info: Info, user_id: PydanticObjectId) -> UserCard | None:
    return await info.context.loaders.users.load(user_id)


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

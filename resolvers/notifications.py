"""The notifications inbox (models.notification, workflows.notifications): the reader's
entries newest first, their unread count, read marks and per-kind settings.

A page is read by one workflow (workflows.notifications.page): the entries, their
comments, their and their comments' videos (those the reader may still see: an entry
about a video hidden since shows no video) and every climber they show, the first
actors of each entry included, four queries whatever the page holds. `actors` answers
from those (more asked for, or one not to be listed: through the users DataLoader).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from enum import Enum
from itertools import islice

import strawberry
from bson import ObjectId

from models.audience import Audience
from models.notification import ACTORS_SHOWN_MAX, KINDS, NotificationView
from models.notification_settings import Switches
from models.user import UserCard
from resolvers.climbing import iso_utc
from resolvers.comment_types import Comment, comment_of
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.paging import PageInfo, connection, decode_cursor, encode_cursor, page_size
from resolvers.report_cases import ModerationAction
from resolvers.shared_types import Named, User, Video, load_user
from rules.ids import parse_optional_id
from workflows.notifications import Switch
from workflows.related import Shown


@strawberry.enum(name="NotificationKind", description="What a notification is about.")
class NotificationKind(Enum):
    LIKE = strawberry.enum_value("LIKE", description="Likes of your video, one per video a day.")
    FOLLOW = strawberry.enum_value("FOLLOW", description="A climber followed you.")
    COMMENT = strawberry.enum_value("COMMENT", description="A comment on your video.")
    REPLY = strawberry.enum_value("REPLY", description="A reply to your comment.")
    MENTION = strawberry.enum_value("MENTION", description="A comment named you (@pseudo).")
    MODERATION = strawberry.enum_value(
        "MODERATION",
        description="A moderator hid or restored your content, or acted on your report.",
    )


# How many actors an entry lists unless asked for more: the page reads that many of each
# entry's with the rest of what it names (workflows.notifications.page).
ACTORS_FIRST = 3


@strawberry.type(name="Notification")
class Notification:
    id: strawberry.ID
    kind: NotificationKind
    created_at: str = strawberry.field(description="ISO-8601, UTC.")
    updated_at: str = strawberry.field(
        description="Its last change (a LIKE group's latest like): the inbox's order."
    )
    read: bool
    actor_count: int = strawberry.field(description='How many did it ("ada and 12 others").')
    video: Video | None = strawberry.field(
        description="The video it is about, if any and you may still see it."
    )
    comment: Comment | None = strawberry.field(
        description="The comment it is about, if any and you may still see it."
    )
    action: ModerationAction | None = strawberry.field(description="For MODERATION: what was done.")
    actor_ids: strawberry.Private[tuple[ObjectId, ...]]
    # The first ACTORS_FIRST actors as `actors` lists them, when the page read them all
    # and each may be listed (`_ahead`): the usual `actors` costs no query and no await.
    ahead: strawberry.Private[tuple[User, ...] | None] = None

    @strawberry.field(
        description="Who did it, the most recent first (a suspended account is not listed).",
        graphql_type=list[User],
    )
    def actors(self, info: Info, first: int = ACTORS_FIRST) -> list[User] | Awaitable[list[User]]:
        # Not a coroutine: the usual answer (`ahead`) is there at once, and a list is
        # completed in line, where an awaitable costs the executor a task and a gather
        # per entry. graphql-core awaits what `_read_actors` returns.
        if not 0 <= first <= ACTORS_SHOWN_MAX:
            raise BadUserInput("first", f"must be between 0 and {ACTORS_SHOWN_MAX}")
        if self.ahead is not None and first <= ACTORS_FIRST:
            return list(self.ahead[:first])
        return self._read_actors(info, first)

    async def _read_actors(self, info: Info, first: int) -> list[User]:
        # A suspended actor is not listed (the query left out blocked ones already): read
        # on until `first` are shown, one batch through the DataLoader in the usual case.
        moderator = (await info.context.audience()).moderator
        shown: list[User] = []
        rest = iter(self.actor_ids)
        while len(shown) < first and (wanted := list(islice(rest, first - len(shown)))):
            cards = await asyncio.gather(*(load_user(info, user) for user in wanted))
            shown += [
                User.from_card(user, card)
                for user, card in zip(wanted, cards, strict=True)
                if card is None or moderator or not card.withheld
            ]
        return shown


@strawberry.type(name="NotificationEdge")
class NotificationEdge:
    cursor: str
    node: Notification


@strawberry.type(name="NotificationConnection", description="Your inbox, the newest first.")
class NotificationConnection:
    edges: list[NotificationEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


@strawberry.type(name="NotificationSetting")
class NotificationSetting:
    kind: NotificationKind
    inbox: bool = strawberry.field(description="Shown in the inbox.")
    push: bool = strawberry.field(description="Sent to your phones.")


@strawberry.input(name="NotificationSettingInput")
class NotificationSettingInput:
    kind: NotificationKind
    inbox: bool | None = strawberry.field(default=None, description="Null: unchanged.")
    push: bool | None = strawberry.field(default=None, description="Null: unchanged.")


def settings_of(switches: Switches) -> list[NotificationSetting]:
    return [
        NotificationSetting(
            kind=NotificationKind[kind],
            inbox=kind not in switches.inbox_off,
            push=kind not in switches.push_off,
        )
        for kind in KINDS
    ]


def notifications_of(shown: Shown[NotificationView], audience: Audience) -> list[Notification]:
    """The entries, with the videos, comments and climbers the workflow read with them
    (workflows.notifications.page), each entry's first actors among those."""
    named = Named(shown.related, audience.viewer_id)
    comments = shown.related.comments
    notifications = []
    for view in shown.items:
        comment = None if view.comment_id is None else comments.get(view.comment_id)
        # A comment shows with its video only: one on a video the reader may no longer
        # see (made private, hidden) is not shown either.
        comment_video = None if comment is None else named.video(comment.video_id)
        notifications.append(
            Notification(
                id=strawberry.ID(str(view.id)),
                kind=NotificationKind[view.kind],
                created_at=iso_utc(view.created_at),
                updated_at=iso_utc(view.updated_at),
                read=view.read,
                actor_count=view.actor_count,
                video=None if view.video_id is None else named.video(view.video_id),
                comment=None
                if comment is None or comment_video is None
                else comment_of(comment, named, comment_video),
                action=None if view.action is None else ModerationAction(view.action),
                actor_ids=view.actors,
                ahead=_ahead(view, shown.related.people, named, audience.moderator),
            )
        )
    return notifications


def _ahead(
    view: NotificationView,
    cards: Mapping[ObjectId, UserCard],
    named: Named,
    moderator: bool,
) -> tuple[User, ...] | None:
    """The entry's first ACTORS_FIRST actors as `actors` lists them, if the page read
    each one and each may be listed (a suspended one is not, but to a moderator); None
    sends `actors` to read them itself (an account gone, a suspension, more asked for)."""
    wanted = view.actors[:ACTORS_FIRST]
    for user in wanted:
        card = cards.get(user)
        if card is None or (card.withheld and not moderator):
            return None
    return tuple(named.person(user) for user in wanted)


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="Your notifications, the newest first, by cursor.")
    async def notifications(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> NotificationConnection:
        info.context.require_viewer()
        size, key = page_size(first), decode_cursor(after)
        audience = await info.context.audience()
        shown = await info.context.services.notifications.page(
            audience, size, key, actors_ahead=ACTORS_FIRST
        )
        edges = [
            NotificationEdge(cursor=encode_cursor(*view.key), node=node)
            for view, node in zip(shown.items, notifications_of(shown, audience), strict=True)
        ]
        return connection(NotificationConnection, edges, shown.has_next)

    @strawberry.field(name="unreadNotificationCount", description="Your unread notifications.")
    async def unread_notification_count(self, info: Info) -> int:
        info.context.require_viewer()
        return await info.context.repos.notifications.unread_count(await info.context.audience())

    @strawberry.field(
        name="notificationSettings",
        description="Each kind of notification, on or off for the inbox and for push.",
    )
    async def notification_settings(self, info: Info) -> list[NotificationSetting]:
        viewer = info.context.require_viewer()
        return settings_of(await info.context.repos.notification_settings.of(viewer))


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        name="markNotificationsRead",
        description="Mark your notifications read: `up_to` and every older one, or all "
        "when null. Answers how many changed.",
    )
    async def mark_notifications_read(self, info: Info, up_to: strawberry.ID | None = None) -> int:
        viewer = info.context.require_viewer()
        entry = parse_optional_id(up_to, "up_to")
        return await info.context.services.notifications.mark_read(viewer, entry)

    @strawberry.mutation(
        name="updateNotificationSettings",
        description="Switch kinds of notification on or off, for the inbox and for push "
        "separately; what is not named stays. Answers every kind's setting.",
    )
    async def update_notification_settings(
        self, info: Info, settings: list[NotificationSettingInput]
    ) -> list[NotificationSetting]:
        viewer = info.context.require_viewer()
        changes = [
            Switch(kind=item.kind.name, inbox=item.inbox, push=item.push) for item in settings
        ]
        switches = await info.context.services.notifications.switch(viewer, changes)
        return settings_of(switches)

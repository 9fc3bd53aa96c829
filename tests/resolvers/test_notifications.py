"""The notifications inbox: grouping of likes, withdrawal, blocks, read marks, settings,
moderation notices, and what a like costs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

import workflows.notifications
from models.app_indexes import APP_INDEX_PREFIX
from models.notification import ACTORS_SHOWN_MAX
from tests.support.client import Account, Api, code_of
from tests.support.comments import (
    DELETE_COMMENT,
    MARK_READ,
    SETTINGS,
    UPDATE_SETTINGS,
    comment,
    inbox,
    unread,
)
from tests.support.safety import (
    BLOCK,
    MODERATE,
    REPORT_USER,
    UPDATE_VIDEO,
    make_moderator,
    queue,
    report_video,
)
from tests.support.social import FOLLOW, UNFOLLOW
from tests.support.videos import LIKE, UNLIKE, accounts, post_video

INBOX_ACTORS = """
query Inbox($first: Int) {
  notifications { edges { node { kind actor_count actors(first: $first) { id } } } }
}
"""


async def _like(api: Api, who: Account, video: str) -> None:
    assert (await api.data(LIKE, {"id": video}, who.token))["likeVideo"]


async def test_likes_are_grouped_per_video_and_day_without_losing_an_actor(api: Api) -> None:
    owner, *fans = await accounts(api, 9)
    video = (await post_video(api, owner))["id"]
    other = (await post_video(api, owner))["id"]
    await _like(api, fans[0], video)
    # Everyone else at once: one group, every actor in it.
    await asyncio.gather(*(_like(api, fan, video) for fan in fans[1:]))
    await _like(api, fans[0], video)  # a repeat changes nothing
    await _like(api, owner, video)  # one's own like notifies nobody
    await _like(api, fans[0], other)

    entries = await inbox(api, owner)
    assert [(e["kind"], e["video"]["id"], e["actor_count"]) for e in entries] == [
        ("LIKE", other, 1),
        ("LIKE", video, 8),
    ]
    group = entries[1]
    assert len(group["actors"]) == 3  # "ada and 7 others"
    assert {a["id"] for a in group["actors"]} <= {f.id for f in fans}
    data = await api.data(INBOX_ACTORS, {"first": 8}, owner.token)
    everyone = data["notifications"]["edges"][1]["node"]["actors"]
    assert {a["id"] for a in everyone} == {f.id for f in fans}
    error = await api.error(INBOX_ACTORS, {"first": 51}, owner.token)
    assert code_of(error) == "BAD_USER_INPUT"


async def test_an_unlike_withdraws_its_actor_and_the_last_one_the_group(api: Api) -> None:
    owner, ada, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    await _like(api, ada, video)
    await _like(api, bob, video)
    await api.data(UNLIKE, {"id": video}, ada.token)
    (entry,) = await inbox(api, owner)
    assert entry["actor_count"] == 1
    assert entry["actors"] == [{"id": bob.id, "pseudo": bob.pseudo}]
    await api.data(UNLIKE, {"id": video}, bob.token)
    assert await inbox(api, owner) == []
    assert await unread(api, owner) == 0


async def test_a_new_day_opens_a_new_group(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    owner, ada, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    await _like(api, ada, video)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    monkeypatch.setattr(workflows.notifications, "utcnow_ms", lambda: tomorrow)
    await _like(api, bob, video)
    assert [e["actor_count"] for e in await inbox(api, owner)] == [1, 1]


async def test_follows_notify_and_unfollows_withdraw(api: Api) -> None:
    ada, bob = await accounts(api, 2)
    await api.data(FOLLOW, {"id": ada.id}, bob.token)
    (entry,) = await inbox(api, ada)
    assert entry["kind"] == "FOLLOW"
    assert entry["actors"] == [{"id": bob.id, "pseudo": bob.pseudo}]
    await api.data(FOLLOW, {"id": ada.id}, bob.token)  # a repeat: still one
    assert len(await inbox(api, ada)) == 1
    await api.data(UNFOLLOW, {"id": ada.id}, bob.token)
    assert await inbox(api, ada) == []


async def test_comments_replies_and_mentions_each_reach_their_climber_once(api: Api) -> None:
    owner, ada, bob, carol = await accounts(api, 4)
    video = (await post_video(api, owner))["id"]
    said = await comment(api, ada, video, "Quelle beta ?")
    reply = await comment(api, bob, video, f"Talon, demande à @{carol.pseudo}", reply_to=said["id"])

    def kinds(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(e["kind"], e["comment"]["id"]) for e in entries]

    assert kinds(await inbox(api, owner)) == [("COMMENT", reply["id"]), ("COMMENT", said["id"])]
    assert kinds(await inbox(api, ada)) == [("REPLY", reply["id"])]
    assert kinds(await inbox(api, carol)) == [("MENTION", reply["id"])]
    assert await inbox(api, bob) == []
    # Mentioning the video's owner, or replying to them, tells them once.
    await comment(api, ada, video, f"@{owner.pseudo} bravo", reply_to=said["id"])
    assert len(await inbox(api, owner)) == 3

    # A deleted comment (a thread: its replies with it) withdraws what it caused.
    await api.data(DELETE_COMMENT, {"id": said["id"]}, ada.token)
    assert await inbox(api, owner) == []
    assert await inbox(api, ada) == []
    assert await inbox(api, carol) == []


async def test_an_entry_shows_no_comment_of_a_video_the_reader_may_no_longer_see(
    api: Api,
) -> None:
    owner, ada, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    said = await comment(api, ada, video, f"@{bob.pseudo} regarde")
    (mention,) = await inbox(api, bob)
    assert mention["comment"] == {"id": said["id"], "text": said["text"]}
    await api.data(UPDATE_VIDEO, {"id": video, "visibility": "PRIVATE"}, owner.token)
    (mention,) = await inbox(api, bob)
    assert mention["kind"] == "MENTION"
    assert mention["comment"] is None
    assert mention["video"] is None


async def test_nothing_crosses_a_block(api: Api) -> None:
    owner, ada, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    await _like(api, ada, video)
    await _like(api, bob, video)
    await api.data(FOLLOW, {"id": owner.id}, ada.token)
    assert await unread(api, owner) == 2
    await api.data(BLOCK, {"id": ada.id}, owner.token)
    (entry,) = await inbox(api, owner)
    assert entry["actor_count"] == 1
    assert entry["actors"] == [{"id": bob.id, "pseudo": bob.pseudo}]
    assert await unread(api, owner) == 1
    # Blocked the other way round: the same.
    await api.data(BLOCK, {"id": owner.id}, bob.token)
    assert await inbox(api, owner) == []
    assert await unread(api, owner) == 0


async def test_read_marks_up_to_an_entry_and_a_new_like_brings_a_group_back(api: Api) -> None:
    owner, ada, bob, carol = await accounts(api, 4)
    videos = [(await post_video(api, owner))["id"] for _ in range(3)]
    for video in videos:
        await _like(api, ada, video)
    assert await unread(api, owner) == 3
    newest_first = await inbox(api, owner)
    middle = newest_first[1]["id"]
    marked = await api.data(MARK_READ, {"up_to": middle}, owner.token)
    assert marked["markNotificationsRead"] == 2  # the middle one and the older one
    assert [e["read"] for e in await inbox(api, owner)] == [False, True, True]
    assert (await api.data(MARK_READ, {}, owner.token))["markNotificationsRead"] == 1
    assert (await api.data(MARK_READ, {}, owner.token))["markNotificationsRead"] == 0
    assert await unread(api, owner) == 0

    await _like(api, bob, videos[0])  # the oldest group gains a like
    entries = await inbox(api, owner)
    assert entries[0]["video"]["id"] == videos[0]
    assert entries[0]["read"] is False
    assert entries[0]["actor_count"] == 2

    # Someone else's entry is not found, and marks nothing.
    error = await api.error(MARK_READ, {"up_to": entries[0]["id"]}, carol.token)
    assert code_of(error) == "NOT_FOUND"


async def test_a_group_larger_than_actors_shows_counts_all_and_shows_the_latest(api: Api) -> None:
    """The database counts the group and hands over its most recent ACTORS_SHOWN_MAX
    actors only; a block still takes its actor out of both."""
    owner, *fans = await accounts(api, ACTORS_SHOWN_MAX + 4)
    video = (await post_video(api, owner))["id"]
    for fan in fans:  # one after another: the order of the group is the likes' order
        await _like(api, fan, video)
    page = await api.data(INBOX_ACTORS, {"first": ACTORS_SHOWN_MAX}, owner.token)
    [entry] = [edge["node"] for edge in page["notifications"]["edges"]]
    assert entry["actor_count"] == len(fans)
    latest = [fan.id for fan in reversed(fans)][:ACTORS_SHOWN_MAX]
    assert [actor["id"] for actor in entry["actors"]] == latest

    await api.data(BLOCK, {"id": fans[-1].id}, owner.token)
    page = await api.data(INBOX_ACTORS, {"first": 3}, owner.token)
    [entry] = [edge["node"] for edge in page["notifications"]["edges"]]
    assert entry["actor_count"] == len(fans) - 1
    assert [actor["id"] for actor in entry["actors"]] == latest[1:4]


async def test_a_suspended_actor_is_not_listed_and_the_next_ones_are(api: Api) -> None:
    owner, first_fan, second_fan, suspended = await accounts(api, 4)
    video = (await post_video(api, owner))["id"]
    for fan in (first_fan, second_fan, suspended):
        await _like(api, fan, video)
    moderator, reporter = await accounts(api, 2)
    await make_moderator(moderator)
    await api.data(REPORT_USER, {"id": suspended.id, "reason": "HARASSMENT"}, reporter.token)
    (case,) = await queue(api, moderator)
    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, moderator.token)

    for first in (2, 3):  # 3, the default: what the page reads with the entries
        page = await api.data(INBOX_ACTORS, {"first": first}, owner.token)
        [entry] = [edge["node"] for edge in page["notifications"]["edges"]]
        assert [actor["id"] for actor in entry["actors"]] == [second_fan.id, first_fan.id]


async def test_each_count_of_actors_lists_the_start_of_the_same_list(api: Api) -> None:
    """Up to three come with the page (workflows.notifications.page), more are read on:
    either way, the same climbers in the same order."""
    owner, *fans = await accounts(api, 6)
    video = (await post_video(api, owner))["id"]
    for fan in fans:
        await _like(api, fan, video)
    newest_first = [fan.id for fan in reversed(fans)]
    for first in range(6):
        page = await api.data(INBOX_ACTORS, {"first": first}, owner.token)
        [entry] = [edge["node"] for edge in page["notifications"]["edges"]]
        assert [actor["id"] for actor in entry["actors"]] == newest_first[:first], first


async def test_settings_naming_a_kind_twice_are_refused_and_change_nothing(api: Api) -> None:
    owner = await api.signup()
    twice = [{"kind": "LIKE", "inbox": False}, {"kind": "FOLLOW"}, {"kind": "LIKE", "inbox": True}]
    error = await api.error(UPDATE_SETTINGS, {"settings": twice}, owner.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "settings")
    assert "LIKE" in error["message"]
    shown = (await api.data(SETTINGS, None, owner.token))["notificationSettings"]
    assert all(s["inbox"] and s["push"] for s in shown)


async def test_settings_switch_kinds_off_for_the_inbox_and_push_apart(api: Api) -> None:
    owner, ada = await accounts(api, 2)
    shown = (await api.data(SETTINGS, None, owner.token))["notificationSettings"]
    assert all(s["inbox"] and s["push"] for s in shown)
    assert [s["kind"] for s in shown] == [
        "LIKE", "FOLLOW", "COMMENT", "REPLY", "MENTION", "MODERATION",
    ]  # fmt: skip
    changes = [{"kind": "LIKE", "inbox": False}, {"kind": "FOLLOW", "push": False}]
    updated = (await api.data(UPDATE_SETTINGS, {"settings": changes}, owner.token))[
        "updateNotificationSettings"
    ]
    by_kind = {s["kind"]: (s["inbox"], s["push"]) for s in updated}
    assert by_kind["LIKE"] == (False, True)
    assert by_kind["FOLLOW"] == (True, False)
    assert by_kind["COMMENT"] == (True, True)

    video = (await post_video(api, owner))["id"]
    await _like(api, ada, video)
    await api.data(FOLLOW, {"id": owner.id}, ada.token)
    assert [e["kind"] for e in await inbox(api, owner)] == ["FOLLOW"]

    back = [{"kind": "LIKE", "inbox": True}]
    await api.data(UPDATE_SETTINGS, {"settings": back}, owner.token)
    await api.data(UNLIKE, {"id": video}, ada.token)
    await _like(api, ada, video)
    assert [e["kind"] for e in await inbox(api, owner)] == ["LIKE", "FOLLOW"]


async def test_moderation_tells_the_owner_and_the_reporters(api: Api) -> None:
    owner, mod, *reporters = await accounts(api, 4)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    await report_video(api, reporters[0], video)
    (case,) = await queue(api, mod)
    await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, mod.token)
    (told,) = await inbox(api, owner)
    assert told["kind"] == "MODERATION"
    assert told["action"] == "HIDE"
    assert told["video"] == {"id": video}  # the owner still sees their hidden video
    (thanked,) = await inbox(api, reporters[0])
    assert thanked["action"] == "HIDE"
    assert thanked["video"] is None  # the reporter no longer sees it
    assert await inbox(api, reporters[1]) == []
    await api.data(MODERATE, {"case": case["id"], "action": "RESTORE"}, mod.token)
    assert [e["action"] for e in await inbox(api, owner)] == ["RESTORE", "HIDE"]


async def test_entries_expire_after_the_configured_days(api: Api, db: Any) -> None:
    owner, ada = await accounts(api, 2)
    await api.data(FOLLOW, {"id": owner.id}, ada.token)
    indexes = {index["name"]: index async for index in await db.notifications.list_indexes()}
    assert indexes[f"{APP_INDEX_PREFIX}ttl"]["expireAfterSeconds"] == 0
    stored = await db.notifications.find_one({})
    expires = stored["expires_at"].replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)


async def test_a_like_costs_one_write_plus_the_notifications(commands: Any, api: Api) -> None:
    owner, ada = await accounts(api, 2)
    video = (await post_video(api, owner))["id"]
    await api.data(FOLLOW, {"id": owner.id}, ada.token)  # ada's audience read and kept
    await api.data(UNFOLLOW, {"id": owner.id}, ada.token)
    commands.start()
    await _like(api, ada, video)
    commands.stop()
    sent = [(e.command_name, e.command.get(e.command_name)) for e in commands.sent]
    writes = [cmd for cmd in sent if cmd[0] in ("findAndModify", "update", "insert", "delete")]
    assert writes == [("findAndModify", "videos"), ("findAndModify", "notifications")]
    reads = [cmd for cmd in sent if cmd not in writes]
    assert ("find", "notification_settings") in reads
    assert len(sent) <= 5, sent  # + the token's version and the liker's audience, if stale


async def test_an_erased_account_leaves_no_notification_device_or_setting(
    api: Api, db: Any
) -> None:
    from tests.support.accounts import DELETE_ACCOUNT, eventually

    owner, leaver, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    theirs = (await post_video(api, leaver))["id"]
    await _like(api, leaver, video)
    await _like(api, bob, video)
    await _like(api, owner, theirs)
    await api.data(FOLLOW, {"id": owner.id}, leaver.token)
    register = 'mutation { registerDevice(token: "leaver-phone", platform: IOS) }'
    await api.data(register, None, leaver.token)
    switch = [{"kind": "LIKE", "push": False}]
    await api.data(UPDATE_SETTINGS, {"settings": switch}, leaver.token)

    await api.data(DELETE_ACCOUNT, {"password": leaver.password}, leaver.token)

    async def erased() -> bool:
        left = [
            await db.notifications.count_documents({"user_id": ObjectId(leaver.id)}),
            await db.notifications.count_documents({"actors": ObjectId(leaver.id)}),
            await db.devices.count_documents({}),
            await db.notification_settings.count_documents({}),
        ]
        return left == [0, 0, 0, 0]

    await eventually(erased)
    (entry,) = await inbox(api, owner)  # the FOLLOW went; the LIKE group keeps bob
    assert entry["kind"] == "LIKE"
    assert entry["actor_count"] == 1

"""Reports that weigh who reports: trust hides a video, heads do not (issue 23).

Each climber reports from an address of their own (tests.support.safety.address_of,
sent in the proxy's header); standing (age, verified e-mail) is given by `established`,
the tests cannot wait a week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bson import ObjectId

from api.settings import Settings
from kit.clock import utcnow
from models.user import UserDocument
from tests.support.app import running_api
from tests.support.client import Account, Api
from tests.support.safety import (
    CLIENT_IP_HEADER,
    MODERATE,
    QUEUE,
    established,
    make_moderator,
    queue,
    report_video,
    video_shown,
)
from tests.support.videos import accounts, post_video

HIDDEN_VIDEOS = "{ myAccount { hidden_videos { id hidden } } }"


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    behind_a_proxy = settings.model_copy(update={"client_ip_header": CLIENT_IP_HEADER})
    async with running_api(behind_a_proxy) as running:
        yield running


async def _hidden(api: Api, video: str, viewer: Account) -> bool:
    return not await video_shown(api, video, viewer.token)


async def test_a_brigade_of_twenty_fresh_accounts_hides_nothing(api: Api, db: Any) -> None:
    owner, viewer, *brigade = await accounts(api, 22)
    # Verified, each from its own address: only their age holds them back.
    await established(*brigade, days_old=0)
    users = UserDocument.get_pymongo_collection()
    for n, account in enumerate(brigade):  # made an hour apart, the last just under a day ago
        made = utcnow() - dt.timedelta(hours=23, minutes=50) + dt.timedelta(hours=n)
        await users.update_one({"_id": ObjectId(account.id)}, {"$set": {"created_at": made}})
    video = (await post_video(api, owner))["id"]
    for account in brigade:
        assert await report_video(api, account, video, "HATE") is True
    assert not await _hidden(api, video, viewer)
    assert await db.reports.count_documents({"weight": 0}) == 20
    assert await db.moderation_log.count_documents({}) == 0


async def test_old_accounts_that_never_verified_their_address_hide_nothing(api: Api) -> None:
    owner, viewer, *reporters = await accounts(api, 7)
    await established(*reporters, verified=False)
    video = (await post_video(api, owner))["id"]
    for account in reporters:
        await report_video(api, account, video)
    assert not await _hidden(api, video, viewer)


async def test_three_established_reporters_hide_and_the_author_is_told(api: Api) -> None:
    owner, mod, viewer, *reporters = await accounts(api, 6)
    await make_moderator(mod)
    await established(*reporters)
    video = (await post_video(api, owner))["id"]
    other = (await post_video(api, owner))["id"]
    told = await api.data(HIDDEN_VIDEOS, token=owner.token)
    assert told["myAccount"]["hidden_videos"] == []
    for reporter in reporters[:2]:
        await report_video(api, reporter, video)
    assert not await _hidden(api, video, viewer)  # two weigh two
    await report_video(api, reporters[2], video)
    assert await _hidden(api, video, viewer)
    assert not await _hidden(api, other, viewer)

    told = await api.data(HIDDEN_VIDEOS, token=owner.token)
    assert told["myAccount"]["hidden_videos"] == [{"id": video, "hidden": True}]
    (case,) = await queue(api, mod)
    assert (case["video"]["id"], case["state"]) == (video, "OPEN")


async def test_reports_from_one_network_count_once(api: Api) -> None:
    owner, viewer, *reporters = await accounts(api, 6)
    await established(*reporters)
    video = (await post_video(api, owner))["id"]
    for reporter in reporters[:3]:
        await report_video(api, reporter, video, address="203.0.113.7")
    assert not await _hidden(api, video, viewer)
    # One IPv6 household (/64) is one network too.
    for n, reporter in enumerate(reporters[3:]):
        await report_video(api, reporter, video, address=f"2001:db8:1:2::{n + 1}")
    assert not await _hidden(api, video, viewer)  # two networks: two


async def test_accounts_made_together_count_once(api: Api) -> None:
    owner, viewer, *reporters = await accounts(api, 6)
    users = UserDocument.get_pymongo_collection()
    made = utcnow() - dt.timedelta(days=30)
    for n, account in enumerate(reporters):  # four made minutes apart, a month ago
        stamp = made + dt.timedelta(minutes=10 * n) if n < 3 else made - dt.timedelta(days=9)
        await users.update_one({"_id": ObjectId(account.id)},
                               {"$set": {"created_at": stamp, "email_verified": True}})  # fmt: skip
    video = (await post_video(api, owner))["id"]
    for reporter in reporters[:3]:
        await report_video(api, reporter, video)
    assert not await _hidden(api, video, viewer)  # one group
    await report_video(api, reporters[3], video)
    assert not await _hidden(api, video, viewer)  # two groups


async def test_dismissed_reports_lower_their_reporters_weight(api: Api, db: Any) -> None:
    owner, mod, viewer, crier, *others = await accounts(api, 8)
    await make_moderator(mod)
    await established(crier, *others)
    first = (await post_video(api, owner))["id"]
    await report_video(api, crier, first)
    (case,) = await queue(api, mod)
    await api.data(MODERATE, {"case": case["id"], "action": "DISMISS"}, mod.token)

    video = (await post_video(api, owner))["id"]
    await report_video(api, crier, video)
    for reporter in others[:2]:
        await report_video(api, reporter, video)
    assert not await _hidden(api, video, viewer)  # 0.5 + 1 + 1
    await report_video(api, others[2], video)
    assert await _hidden(api, video, viewer)  # + 1

    # An upheld report earns part of it back: (upheld + 1) / (upheld + dismissed + 1).
    (case,) = [c for c in await queue(api, mod) if c["video"]["id"] == video]
    await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, mod.token)
    third = (await post_video(api, owner))["id"]
    await report_video(api, crier, third)
    weights = [r["weight"] async for r in db.reports.find({"reporter_id": ObjectId(crier.id)})
               .sort("created_at", 1)]  # fmt: skip
    assert weights == pytest.approx([1.0, 0.5, 2 / 3])


async def test_a_video_its_reports_hid_enters_the_queue_first(api: Api) -> None:
    owner, mod, *reporters = await accounts(api, 5)
    await make_moderator(mod)
    await established(*reporters)
    older, hidden, newer = [(await post_video(api, owner))["id"] for _ in range(3)]
    await report_video(api, reporters[0], older)  # reported first, not hidden
    for reporter in reporters[:3]:
        await report_video(api, reporter, hidden)
    await report_video(api, reporters[0], newer)
    assert [case["video"]["id"] for case in await queue(api, mod)] == [hidden, older, newer]

    seen, after = [], None  # page by page, the same order
    while True:
        page = (await api.data(QUEUE, {"first": 1, "after": after}, mod.token))["moderationQueue"]
        seen += [edge["node"]["video"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [hidden, older, newer]

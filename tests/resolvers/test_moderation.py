"""Reports and moderation: what reporters, owners, moderators and everyone else see."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from beanie import PydanticObjectId
from bson import ObjectId

from api.settings import Settings
from models.audience import Audience
from models.registry import Repositories
from tests.support.app import running_api
from tests.support.client import Account, Api, code_of
from tests.support.safety import (
    CLIENT_IP_HEADER,
    LOG,
    LOGIN,
    ME,
    MODERATE,
    QUEUE,
    REPORT_USER,
    REPORT_VIDEO,
    STATS,
    address_of,
    established,
    everywhere,
    make_moderator,
    queue,
    report_video,
    video_shown,
)
from tests.support.videos import VIDEO, accounts, post_held_before_insert, post_video
from workflows.errors import InvalidInput
from workflows.moderation import Moderation
from workflows.notifications import Notifications
from workflows.reports import Reporting
from workflows.token_versions import TokenVersions


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The app behind a proxy that says where each client is (reports weigh where they
    come from); a request without the header is its TCP peer, as before."""
    async with running_api(
        settings.model_copy(update={"client_ip_header": CLIENT_IP_HEADER})
    ) as running:
        yield running


async def _sees(api: Api, viewer: Account | None, author: Account, video_id: str) -> bool:
    """Whether `viewer` sees the video in every listing (True) or in none (False)."""
    token = None if viewer is None else viewer.token
    seen = await everywhere(api, token, author.id)
    found = [video_id in ids for name, ids in seen.items() if name != "followingFeed"]
    found.append(await video_shown(api, video_id, token))
    assert len(set(found)) == 1, (viewer, seen)  # the same answer everywhere
    return found[0]


async def test_three_reports_hide_a_video_until_a_moderator_restores_it(api: Api, db: Any) -> None:
    owner, mod, bystander, *reporters = await accounts(api, 6)
    await make_moderator(mod)
    await established(*reporters)
    video = (await post_video(api, owner))["id"]
    other = (await post_video(api, owner))["id"]

    await report_video(api, reporters[0], video, "SPAM")
    assert await report_video(api, reporters[0], video, "HATE") is True  # a repeat: nothing
    await report_video(api, reporters[1], video, "HATE", "slurs in the caption")
    assert await _sees(api, bystander, owner, video)  # two climbers: still shown
    await report_video(api, reporters[2], video, "OTHER", "not climbing at all")

    # Hidden for everyone but its owner and the moderators; the rest of the owner's stays.
    for viewer in (bystander, *reporters, None):
        assert not await _sees(api, viewer, owner, video)
        assert await _sees(api, viewer, owner, other)
    assert await _sees(api, owner, owner, video)
    assert await _sees(api, mod, owner, video)
    own = (await api.data(VIDEO, {"id": video}, owner.token))["video"]
    assert own is not None
    hidden = await api.data("query($id: ID!) { video(id: $id) { hidden } }", {"id": video},
                            owner.token)  # fmt: skip
    assert hidden["video"]["hidden"] is True  # its owner sees why

    (case,) = await queue(api, mod)
    assert case["target_type"] == "VIDEO"
    assert case["state"] == "OPEN"
    assert case["report_count"] == 3
    assert {r["reason"]: r["count"] for r in case["reasons"]} == {"SPAM": 1, "HATE": 1,
                                                                 "OTHER": 1}  # fmt: skip
    assert [d["details"] for d in case["details"]] == ["slurs in the caption",
                                                       "not climbing at all"]  # fmt: skip
    assert case["video"] == {"id": video, "hidden": True, "user": {"id": owner.id}}
    assert case["user"]["id"] == owner.id
    assert case["first_report_at"] <= case["last_report_at"]

    restored = (await api.data(MODERATE, {"case": case["id"], "action": "RESTORE",
                                          "note": "climbing beta, fine"}, mod.token))  # fmt: skip
    assert restored["moderate"]["state"] == "CLOSED"
    assert restored["moderate"]["resolution"] == "RESTORE"
    for viewer in (bystander, *reporters, None):
        assert await _sees(api, viewer, owner, video)
    assert await queue(api, mod) == []

    log = (await api.data(LOG, {"first": 10}, mod.token))["moderationLog"]["edges"]
    entries = [edge["node"] for edge in log]
    assert [(e["action"], e["moderator"]) for e in entries] == [
        ("RESTORE", {"id": mod.id}),
        ("HIDE", None),  # the reports hid it, no moderator
    ]
    assert entries[0]["note"] == "climbing beta, fine"
    assert {e["target_id"] for e in entries} == {video}
    assert all(e["target_user"]["id"] == owner.id for e in entries)

    # As mongosh shows them.
    report = await db.reports.find_one({"reporter_id": ObjectId(reporters[0].id)})
    assert report["target_type"] == "VIDEO"
    assert report["reason"] == "SPAM"
    stored_case = await db.report_cases.find_one({"target_id": ObjectId(video)})
    assert stored_case["reasons"] == {"SPAM": 1, "HATE": 1, "OTHER": 1}
    assert stored_case["state"] == "CLOSED"
    entry = await db.moderation_log.find_one({"action": "RESTORE"})
    assert entry["moderator_id"] == ObjectId(mod.id)
    assert entry["case_id"] == stored_case["_id"]
    assert await db.reports.count_documents({}) == 3


async def test_suspending_a_climber_refuses_their_tokens_and_hides_them_until_reinstated(
    api: Api, db: Any
) -> None:
    troll, mod, reporter, fan = await accounts(api, 4)
    await make_moderator(mod)
    videos = [(await post_video(api, troll))["id"] for _ in range(2)]
    await api.data(REPORT_USER, {"id": troll.id, "reason": "HARASSMENT"}, reporter.token)
    (case,) = await queue(api, mod)
    assert case["target_type"] == "USER"
    assert case["video"] is None

    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, mod.token)

    # Refused on the very next request, and at log-in, with a code the app can show.
    assert code_of(await api.error(ME, {}, troll.token)) == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"e": troll.email, "p": troll.password})
    assert code_of(error) == "ACCOUNT_SUSPENDED"
    wrong = await api.error(LOGIN, {"e": troll.email, "p": "not the password"})
    assert code_of(wrong) == "UNAUTHENTICATED"  # said only to who knows the password
    for video in videos:
        assert not await _sees(api, fan, troll, video)
        assert await _sees(api, mod, troll, video)
    user = "query($id: ID!) { user(id: $id) { id } }"
    assert (await api.data(user, {"id": troll.id}, fan.token))["user"] is None
    search = "query($q: String!) { searchUsers(query: $q) { id } }"
    assert (await api.data(search, {"q": troll.pseudo}, fan.token))["searchUsers"] == []
    assert (await api.data(user, {"id": troll.id}, mod.token))["user"] == {"id": troll.id}
    # Their pseudo stays taken.
    signup = await api.error(
        "mutation($e: String!, $p: String!, $n: String!) "
        "{ signup(email: $e, password: $p, pseudo: $n) { token } }",
        {"e": "other@example.com", "p": "correct horse 1", "n": troll.pseudo},
    )
    assert (code_of(signup), signup["extensions"]["field"]) == ("BAD_USER_INPUT", "pseudo")
    stored = await db.users.find_one({"_id": ObjectId(troll.id)})
    assert stored["withheld"] == ["suspended"]

    await api.data(MODERATE, {"case": case["id"], "action": "REINSTATE_USER"}, mod.token)
    token = (await api.data(LOGIN, {"e": troll.email, "p": troll.password}))["login"]["token"]
    assert (await api.data(ME, {}, token))["me"]["id"] == troll.id
    for video in videos:
        assert await _sees(api, fan, troll, video)
    assert (await api.data(user, {"id": troll.id}, fan.token))["user"] == {"id": troll.id}


async def test_reinstating_keeps_a_video_moderation_hid(api: Api) -> None:
    owner, mod, viewer, *reporters = await accounts(api, 6)
    await make_moderator(mod)
    bad, fine = (await post_video(api, owner))["id"], (await post_video(api, owner))["id"]
    for reporter in reporters:
        await report_video(api, reporter, bad, "NUDITY")
    (case,) = await queue(api, mod)
    await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, mod.token)
    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, mod.token)
    await api.data(MODERATE, {"case": case["id"], "action": "REINSTATE_USER"}, mod.token)
    assert await _sees(api, viewer, owner, fine)
    assert not await _sees(api, viewer, owner, bad)


async def _suspend_during_a_post(
    api: Api, monkeypatch: pytest.MonkeyPatch, then_reinstate: bool
) -> tuple[Account, Account, Account, str]:
    """A post whose checks pass, then the author's suspension (and, with
    `then_reinstate`, their reinstatement) lands before the video is inserted."""
    troll, mod, reporter, fan = await accounts(api, 4)
    await make_moderator(mod)
    await api.data(REPORT_USER, {"id": troll.id, "reason": "HARASSMENT"}, reporter.token)
    (case,) = await queue(api, mod)
    async with post_held_before_insert(api, troll, monkeypatch) as posting:
        await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, mod.token)
        if then_reinstate:
            await api.data(MODERATE, {"case": case["id"], "action": "REINSTATE_USER"}, mod.token)
    video: str = (await posting)["data"]["postVideo"]["id"]
    await api.media_settled()  # its file probed: only the suspension may hide it now
    return troll, mod, fan, video


async def test_a_video_posted_while_its_author_is_suspended_is_hidden_too(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    troll, mod, fan, video = await _suspend_during_a_post(api, monkeypatch, then_reinstate=False)
    assert not await _sees(api, fan, troll, video)
    assert not await _sees(api, None, troll, video)
    assert await _sees(api, mod, troll, video)


async def test_a_video_posted_across_a_suspension_and_reinstatement_stays_shown(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    troll, _, fan, video = await _suspend_during_a_post(api, monkeypatch, then_reinstate=True)
    assert await _sees(api, fan, troll, video)


async def _settling_a_suspended_author_s_video(
    api: Api,
) -> tuple[Account, Account, PydanticObjectId, Repositories, Moderation]:
    """A video of an author marked suspended since it was inserted, still shown: what
    `settle_new_video` finds after a post that raced the suspension."""
    troll, fan = await accounts(api, 2)
    video = PydanticObjectId((await post_video(api, troll))["id"])
    repos = Repositories()
    moderation = Moderation(repos, TokenVersions(repos.users), Notifications(repos))
    await repos.users.withhold(PydanticObjectId(troll.id), "suspended")
    return troll, fan, video, repos, moderation


async def test_the_new_video_is_released_if_a_reinstatement_overtakes_its_hiding(
    api: Api, db: Any
) -> None:
    """The narrowest turn: the author's mark is read, then the author is reinstated (and
    their videos released) before this video is hidden for the suspension."""
    troll, fan, video, repos, moderation = await _settling_a_suspended_author_s_video(api)
    author = PydanticObjectId(troll.id)
    withhold = repos.videos.withhold

    async def reinstated_first(video_id: PydanticObjectId, reason: str) -> bool:
        await moderation.reinstate(author)
        return await withhold(video_id, reason)

    repos.videos.withhold = reinstated_first  # type: ignore[method-assign]
    await moderation.settle_new_video(video, author)
    stored = await db.videos.find_one({"_id": video})
    assert stored.get("withheld", []) == []
    assert await _sees(api, fan, troll, str(video))


async def test_the_new_video_is_hidden_again_if_a_new_suspension_follows_a_reinstatement(
    api: Api, db: Any
) -> None:
    """Suspended, reinstated and suspended again while the post settles: its video
    ends hidden, whatever turn each step took."""
    troll, fan, video, repos, moderation = await _settling_a_suspended_author_s_video(api)
    author = PydanticObjectId(troll.id)
    withhold, release = repos.videos.withhold, repos.videos.release

    async def reinstated_first(video_id: PydanticObjectId, reason: str) -> bool:
        repos.videos.withhold = withhold  # type: ignore[method-assign]  # once
        await moderation.reinstate(author)
        return await withhold(video_id, reason)

    async def suspended_again_first(video_id: PydanticObjectId, reason: str) -> bool:
        repos.videos.release = release  # type: ignore[method-assign]  # once
        await moderation.suspend(author)
        return await release(video_id, reason)

    repos.videos.withhold = reinstated_first  # type: ignore[method-assign]
    repos.videos.release = suspended_again_first  # type: ignore[method-assign]
    await moderation.settle_new_video(video, author)
    stored = await db.videos.find_one({"_id": video})
    assert stored["withheld"] == ["suspended"]
    assert not await _sees(api, fan, troll, str(video))


async def test_moderation_is_for_moderators_only(api: Api) -> None:
    climber, owner, mod = await accounts(api, 3)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    await report_video(api, climber, video)
    (case,) = await queue(api, mod)
    fields: list[tuple[str, dict[str, Any]]] = [
        (QUEUE, {}),
        (LOG, {}),
        (STATS, {}),
        (MODERATE, {"case": case["id"], "action": "HIDE"}),
    ]
    for query, variables in fields:
        assert code_of(await api.error(query, variables, climber.token)) == "FORBIDDEN"
        assert code_of(await api.error(query, variables)) == "UNAUTHENTICATED"
    assert await _sees(api, climber, owner, video)  # the refused HIDE did nothing
    stats = (await api.data(STATS, {}, mod.token))["moderationStats"]
    assert stats["open_cases"] == 1
    assert stats["oldest_open_report_at"] == case["first_report_at"]
    assert 0 <= stats["oldest_open_report_age_seconds"] < 60


async def test_reports_and_moderation_refuse_bad_input(api: Api) -> None:
    me, other, mod = await accounts(api, 3)
    await make_moderator(mod)
    mine = (await post_video(api, me))["id"]
    theirs = (await post_video(api, other))["id"]
    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        (REPORT_VIDEO, {"id": mine, "reason": "SPAM"}, "BAD_USER_INPUT", "video_id"),
        (REPORT_USER, {"id": me.id, "reason": "SPAM"}, "BAD_USER_INPUT", "user_id"),
        (REPORT_VIDEO, {"id": theirs, "reason": "OTHER"}, "BAD_USER_INPUT", "details"),
        (REPORT_VIDEO, {"id": theirs, "reason": "OTHER", "details": "  "},
         "BAD_USER_INPUT", "details"),
        (REPORT_VIDEO, {"id": theirs, "reason": "SPAM", "details": "x" * 1001},
         "BAD_USER_INPUT", "details"),
        (REPORT_VIDEO, {"id": "nope", "reason": "SPAM"}, "BAD_USER_INPUT", "video_id"),
        (REPORT_VIDEO, {"id": str(ObjectId()), "reason": "SPAM"}, "NOT_FOUND", None),
        (REPORT_USER, {"id": str(ObjectId()), "reason": "SPAM"}, "NOT_FOUND", None),
    ]  # fmt: skip
    for query, variables, code, field in cases:
        error = await api.error(query, variables, me.token)
        assert code_of(error) == code, (variables, error)
        assert error["extensions"].get("field") == field, (variables, error)
    assert code_of(await api.error(REPORT_VIDEO, {"id": theirs, "reason": "SPAM"})) == (
        "UNAUTHENTICATED"
    )
    unknown = await api.error(REPORT_VIDEO, {"id": theirs, "reason": "RUDE"}, me.token)
    assert "RUDE" in unknown["message"]  # GraphQL refuses an unknown enum value itself

    await report_video(api, me, theirs, "OTHER", "x" * 1000)
    (case,) = await queue(api, mod)
    bad = [
        ({"case": "nope", "action": "HIDE"}, "BAD_USER_INPUT", "case_id"),
        ({"case": str(ObjectId()), "action": "HIDE"}, "NOT_FOUND", None),
        ({"case": case["id"], "action": "HIDE", "note": "n" * 1001}, "BAD_USER_INPUT", "note"),
    ]
    for variables, code, field in bad:
        error = await api.error(MODERATE, variables, mod.token)
        assert (code_of(error), error["extensions"].get("field")) == (code, field)
    await api.data(REPORT_USER, {"id": other.id, "reason": "SPAM"}, me.token)
    user_case = next(c for c in await queue(api, mod) if c["target_type"] == "USER")
    error = await api.error(MODERATE, {"case": user_case["id"], "action": "HIDE"}, mod.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "action")
    await api.data(REPORT_USER, {"id": mod.id, "reason": "SPAM"}, me.token)
    own_case = next(c for c in await queue(api, mod) if c["user"]["id"] == mod.id)
    error = await api.error(MODERATE, {"case": own_case["id"], "action": "SUSPEND_USER"},
                            mod.token)  # fmt: skip
    # A case about one's own account is another moderator's (issue 23).
    assert code_of(error) == "FORBIDDEN"


async def test_concurrent_reports_each_count_once(api: Api, db: Any) -> None:
    owner, mod, viewer, *reporters = await accounts(api, 9)
    await make_moderator(mod)
    await established(*reporters)
    video = (await post_video(api, owner))["id"]
    # Every reporter twice, all at once. Once three have counted, the video is hidden:
    # later reports of it are NOT_FOUND, except a reporter's repeat, which stays true.
    responses = await asyncio.gather(*(
        api.post(REPORT_VIDEO, {"id": video, "reason": "SPAM"}, reporter.token,
                 {CLIENT_IP_HEADER: address_of(reporter)})
        for reporter in reporters * 2
    ))  # fmt: skip
    outcomes = [
        body["data"]["reportVideo"] if body.get("data") else code_of(body["errors"][0])
        for body in (response.json() for response in responses)
    ]
    assert set(outcomes) <= {True, "NOT_FOUND"}, outcomes
    (case,) = await queue(api, mod)
    stored = await db.reports.count_documents({})
    assert case["report_count"] == stored >= 3
    assert stored == len({r.id for r, o in zip(reporters * 2, outcomes, strict=True) if o})
    assert await db.report_cases.count_documents({}) == 1
    assert await db.moderation_log.count_documents({"action": "HIDE"}) == 1
    assert not await _sees(api, viewer, owner, video)
    counted = [r for r in reporters
               if await db.reports.count_documents({"reporter_id": ObjectId(r.id)})]  # fmt: skip
    repeat = await api.data(REPORT_VIDEO, {"id": video, "reason": "HATE"}, counted[0].token)
    assert repeat["reportVideo"] is True  # a repeat of a counted report: true, nothing added
    assert await db.reports.count_documents({}) == stored


async def test_a_report_on_a_closed_case_opens_it_again_counting_afresh(api: Api) -> None:
    owner, mod, first, second = await accounts(api, 4)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    await report_video(api, first, video, "SPAM")
    (case,) = await queue(api, mod)
    await api.data(MODERATE, {"case": case["id"], "action": "DISMISS"}, mod.token)
    assert await queue(api, mod) == []
    assert await _sees(api, first, owner, video)  # dismissed: the content stays
    await report_video(api, second, video, "VIOLENCE")
    (again,) = await queue(api, mod)
    assert again["id"] == case["id"]  # one case per target
    assert (again["report_count"], again["reasons"]) == (1, [{"reason": "VIOLENCE", "count": 1}])


async def test_reports_are_throttled(api: Api) -> None:
    reporter, *others = await accounts(api, 32)
    codes = []
    for other in others:
        body = await api.execute(REPORT_USER, {"id": other.id, "reason": "SPAM"}, reporter.token)
        codes.append(code_of(body["errors"][0]) if body.get("errors") else "OK")
    assert codes[:30] == ["OK"] * 30
    assert codes[30] == "RATE_LIMITED"


async def test_the_moderation_workflow_runs_without_http(api: Api, db: Any) -> None:
    """workflows.moderation on its own (the app only provides the database binding)."""
    owner, reporter, mod = await accounts(api, 3)
    await established(reporter)
    video = (await post_video(api, owner))["id"]
    repos = Repositories()
    moderation = Moderation(repos, TokenVersions(repos.users), Notifications(repos))
    reporting = Reporting(repos, moderation, weight_to_hide=1)
    await reporting.report_video(Audience(viewer_id=PydanticObjectId(reporter.id)),
                                 PydanticObjectId(video), "SPAM", None)  # fmt: skip
    stored = await db.videos.find_one({"_id": ObjectId(video)})
    assert stored["withheld"] == ["moderation"]  # one report is enough here
    case = await db.report_cases.find_one({})
    with pytest.raises(InvalidInput):
        await moderation.moderate(case_id=case["_id"], action="DELETE",
                                  moderator_id=PydanticObjectId(mod.id))  # fmt: skip
    closed = await moderation.moderate(
        case_id=case["_id"], action="RESTORE", moderator_id=PydanticObjectId(mod.id), note="ok"
    )
    assert (closed.state, closed.resolution) == ("CLOSED", "RESTORE")
    assert (await db.videos.find_one({"_id": ObjectId(video)}))["withheld"] == []
    actions = [e["action"] async for e in db.moderation_log.find({}).sort("at", 1)]
    assert actions == ["HIDE", "RESTORE"]

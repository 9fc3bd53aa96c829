"""Comments on videos: threads, paging, the audience rule both ways, mentions, deletion
and its cascades, the hourly cap, and moderation of comments."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

import workflows.hourly_cap
from api.settings import Settings
from tests.support.accounts import DELETE_ACCOUNT, eventually
from tests.support.app import running_api
from tests.support.client import Account, Api, code_of
from tests.support.comments import (
    COMMENT,
    COMMENTS,
    DELETE_COMMENT,
    REPORT_COMMENT,
    comment,
    comment_ids,
)
from tests.support.safety import (
    BLOCK,
    CLIENT_IP_HEADER,
    MODERATE,
    REPORT_USER,
    UPDATE_VIDEO,
    address_of,
    established,
    make_moderator,
    queue,
)
from tests.support.videos import DELETE, FEED, accounts, post_video


async def _error(api: Api, who: Account, video: str, text: str, reply_to: str | None = None) -> Any:
    variables = {"video": video, "text": text, "reply_to": reply_to}
    return await api.error(COMMENT, variables, who.token)


async def test_comments_read_oldest_first_with_replies_under_their_thread(api: Api) -> None:
    owner, ada, bob = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    first = await comment(api, ada, video, "Quelle beta pour le talon ?")
    second = await comment(api, bob, video, "Propre !")
    reply = await comment(api, owner, video, "Talon à gauche", reply_to=first["id"])
    # A reply to a reply joins the thread of the comment it answers, one level deep.
    deeper = await comment(api, ada, video, "Merci !", reply_to=reply["id"])
    assert reply["reply_to"] == first["id"]
    assert deeper["reply_to"] == first["id"]
    assert first["reply_to"] is None
    assert deeper["video"] == {"id": video, "comment_count": 4}

    order = [first["id"], reply["id"], deeper["id"], second["id"]]
    assert await comment_ids(api, video, None) == order
    assert await comment_ids(api, video, bob, first=1) == order  # page by page alike
    shown = (await api.data(COMMENTS, {"id": video}))["video"]
    assert shown["comment_count"] == 4
    node = shown["comments"]["edges"][0]["node"]
    assert node["user"] == {"id": ada.id, "pseudo": ada.pseudo}
    assert node["text"] == "Quelle beta pour le talon ?"
    assert node["video"] == {"id": video}


async def test_paging_while_others_comment_neither_skips_nor_repeats(api: Api) -> None:
    owner, ada = await accounts(api, 2)
    video = (await post_video(api, owner))["id"]
    threads = [(await comment(api, ada, video, f"fil {n}"))["id"] for n in range(4)]
    seen: list[str] = []
    after = None
    added: list[str] = []
    while True:
        page = (await api.data(COMMENTS, {"id": video, "first": 2, "after": after}))["video"]
        seen += [edge["node"]["id"] for edge in page["comments"]["edges"]]
        if len(added) < 2:
            # A reply to a thread already read (it sorts before the cursor) and a new
            # thread (after everything): the second is read, the first is not repeated.
            added.append((await comment(api, owner, video, "re", reply_to=threads[0]))["id"])
            added.append((await comment(api, owner, video, "nouveau fil"))["id"])
        info = page["comments"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert len(seen) == len(set(seen))
    assert set(threads) <= set(seen)
    assert added[1] in seen
    assert added[0] not in seen


async def test_bad_sizes_and_cursors_are_refused(api: Api) -> None:
    owner = await api.signup()
    video = (await post_video(api, owner))["id"]
    for variables in ({"first": 0}, {"first": 51}, {"after": "bm90IGEgY3Vyc29y"}):
        error = await api.error(COMMENTS, {"id": video, **variables})
        assert code_of(error) == "BAD_USER_INPUT"


async def test_comment_count_rides_with_the_feed_at_no_extra_round_trip(
    commands: Any, api: Api
) -> None:
    owner, ada = await accounts(api, 2)
    video = (await post_video(api, owner))["id"]
    await comment(api, ada, video)
    plain = FEED.replace("like_count", "like_count comment_count")
    counts = []
    for document in (FEED, plain):
        commands.start()
        data = await api.data(document, {"limit": 10}, ada.token)
        commands.stop()
        counts.append(len(commands.sent))
    assert data["feed"][0]["comment_count"] == 1
    assert counts[0] == counts[1]


async def test_the_audience_rule_applies_to_comments_both_ways(api: Api) -> None:
    owner, ada, bob, carol = await accounts(api, 4)
    video = (await post_video(api, owner))["id"]
    by_ada = (await comment(api, ada, video, "de ada"))["id"]
    by_bob = (await comment(api, bob, video, "de bob"))["id"]
    await api.data(BLOCK, {"id": bob.id}, ada.token)  # ada blocks bob

    # Neither sees the other's comment; everyone else sees both.
    assert await comment_ids(api, video, ada) == [by_ada]
    assert await comment_ids(api, video, bob) == [by_bob]
    assert await comment_ids(api, video, carol) == [by_ada, by_bob]
    assert await comment_ids(api, video, None) == [by_ada, by_bob]
    # Nor reply to it.
    assert code_of(await _error(api, bob, video, "re", reply_to=by_ada)) == "NOT_FOUND"
    assert code_of(await _error(api, ada, video, "re", reply_to=by_bob)) == "NOT_FOUND"

    # No commenting on a video one may not see: a blocker's, or a private one.
    await api.data(BLOCK, {"id": carol.id}, owner.token)
    assert code_of(await _error(api, carol, video, "hello")) == "NOT_FOUND"
    mine = (await post_video(api, ada))["id"]
    await api.data(UPDATE_VIDEO, {"id": mine, "visibility": "PRIVATE"}, ada.token)
    assert code_of(await _error(api, bob, mine, "hello")) == "NOT_FOUND"
    assert code_of(await _error(api, owner, mine, "hello")) == "NOT_FOUND"
    assert (await comment(api, ada, mine, "note à moi"))["text"] == "note à moi"


async def test_a_suspended_climbers_comments_are_hidden_until_reinstated(api: Api) -> None:
    owner, troll, mod, reader = await accounts(api, 4)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    said = (await comment(api, troll, video, "spam spam"))["id"]
    await api.data(REPORT_USER, {"id": troll.id, "reason": "SPAM"}, reader.token)
    (case,) = await queue(api, mod)
    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, mod.token)
    assert await comment_ids(api, video, reader) == []
    assert await comment_ids(api, video, mod) == [said]  # moderators see everything
    await api.data(MODERATE, {"case": case["id"], "action": "REINSTATE_USER"}, mod.token)
    assert await comment_ids(api, video, reader) == [said]


async def test_mentions_name_the_climbers_the_author_may_see(api: Api) -> None:
    owner, ada, bob, carol = await accounts(api, 4)
    video = (await post_video(api, owner))["id"]
    await api.data(BLOCK, {"id": owner.id}, carol.token)  # carol blocked the author
    text = (
        f"Bravo @{ada.pseudo}. et @{bob.pseudo.upper()}, pas @{carol.pseudo} ni "
        f"moi@{ada.pseudo} ni @nobody_here ; re @{ada.pseudo}"
    )
    made = await comment(api, owner, video, text)
    assert made["mentions"] == [
        {"id": ada.id, "pseudo": ada.pseudo},
        {"id": bob.id, "pseudo": bob.pseudo},
    ]
    own = await comment(api, ada, video, f"c'est moi @{ada.pseudo}")
    assert own["mentions"] == []


@examples(max_examples=15, deadline=None)
@given(
    before=st.sampled_from(["", " ", "(", "«", "\n", "—"]),
    after=st.sampled_from(["", ".", "!", ",", " :)", "-", "..."]),
    mangle=st.sampled_from(["", "x", "_"]),
)
def test_mention_readings_find_the_pseudo_whatever_surrounds_it(
    before: str, after: str, mangle: str
) -> None:
    from rules.comments import mentioned_pseudos

    names = mentioned_pseudos(f"{before}@Ada.B{mangle}{after} suite")
    assert f"ada.b{mangle}" in names
    assert all(3 <= len(name) <= 30 for name in names)
    assert mentioned_pseudos(f"{before}écris à ada{mangle}@exemple.fr{after}") == []


async def test_who_may_delete_a_comment_and_what_goes_with_it(api: Api, db: Any) -> None:
    owner, ada, bob, mod = await accounts(api, 4)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    thread = (await comment(api, ada, video, "fil"))["id"]
    replies = [(await comment(api, bob, video, f"re {n}", reply_to=thread))["id"] for n in range(2)]
    other = (await comment(api, bob, video, "autre"))["id"]

    error = await api.error(DELETE_COMMENT, {"id": thread}, bob.token)
    assert code_of(error) == "FORBIDDEN"
    # Its author deletes a reply; the video's owner the thread, its replies with it.
    assert (await api.data(DELETE_COMMENT, {"id": replies[0]}, bob.token))["deleteComment"]
    assert (await api.data(DELETE_COMMENT, {"id": thread}, owner.token))["deleteComment"]
    assert await comment_ids(api, video, None) == [other]
    assert await db.comments.count_documents({"_id": {"$in": [*replies]}}) == 0
    # A moderator may delete any; then it is gone for everyone, even its author.
    assert (await api.data(DELETE_COMMENT, {"id": other}, mod.token))["deleteComment"]
    error = await api.error(DELETE_COMMENT, {"id": other}, bob.token)
    assert code_of(error) == "NOT_FOUND"
    shown = (await api.data(COMMENTS, {"id": video}))["video"]
    assert shown["comment_count"] == 0
    assert shown["comments"]["edges"] == []


async def test_a_videos_owner_removes_the_comments_of_someone_they_blocked(api: Api) -> None:
    owner, troll, reader = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    said = (await comment(api, troll, video, "avant le blocage"))["id"]
    await api.data(BLOCK, {"id": troll.id}, owner.token)
    assert await comment_ids(api, video, reader) == [said]  # others still see it
    assert (await api.data(DELETE_COMMENT, {"id": said}, owner.token))["deleteComment"]
    assert await comment_ids(api, video, reader) == []
    # Under someone else's video, what the block hides stays hidden: NOT_FOUND, not
    # FORBIDDEN (which would say it is there).
    other = (await comment(api, troll, (await post_video(api, reader))["id"], "x"))["id"]
    error = await api.error(DELETE_COMMENT, {"id": other}, owner.token)
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(DELETE_COMMENT, {"id": other}, (await api.signup()).token)
    assert code_of(error) == "FORBIDDEN"


async def test_deleting_a_video_deletes_its_comments(api: Api, db: Any) -> None:
    owner, ada = await accounts(api, 2)
    video = (await post_video(api, owner))["id"]
    said = (await comment(api, ada, video))["id"]
    await comment(api, ada, video, "re", reply_to=said)
    assert (await api.data(DELETE, {"id": video}, owner.token))["deleteVideo"]
    assert await db.comments.count_documents({}) == 0
    error = await api.error(DELETE_COMMENT, {"id": said}, ada.token)
    assert code_of(error) == "NOT_FOUND"


async def test_deleting_an_account_erases_its_comments_and_those_under_its_videos(
    api: Api, db: Any
) -> None:
    leaver, ada, owner = await accounts(api, 3)
    kept = (await post_video(api, owner))["id"]
    gone = (await post_video(api, leaver))["id"]
    await comment(api, ada, gone, "sous une vidéo qui part")
    thread = (await comment(api, leaver, kept, "fil qui part"))["id"]
    await comment(api, ada, kept, "réponse", reply_to=thread)
    stays = (await comment(api, ada, kept, "reste"))["id"]

    await api.data(DELETE_ACCOUNT, {"password": leaver.password}, leaver.token)

    async def erased() -> bool:
        left: int = await db.comments.count_documents({})
        return left == 1

    await eventually(erased)
    shown = (await api.data(COMMENTS, {"id": kept}))["video"]
    assert [edge["node"]["id"] for edge in shown["comments"]["edges"]] == [stays]
    assert shown["comment_count"] == 1


async def test_text_rules_and_blocked_words(api: Api) -> None:
    owner = await api.signup()
    video = (await post_video(api, owner))["id"]
    for text, message in (
        ("   ", "blank"),
        ("x" * 1001, "1000"),
        ("quel fucking dévers", "not allowed"),
    ):
        error = await _error(api, owner, video, text)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "text"
        assert message in error["message"]
    assert len((await comment(api, owner, video, "é" * 1000))["text"]) == 1000


async def test_comments_per_hour_are_capped_with_retry_after(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    monkeypatch.setattr(workflows.hourly_cap, "utcnow", lambda: now)
    async with running_api(settings.model_copy(update={"comments_per_hour": 3})) as api:
        owner, ada = await accounts(api, 2)
        video = (await post_video(api, owner))["id"]
        # Concurrent comments: exactly the cap passes.
        bodies = await asyncio.gather(
            *(api.execute(COMMENT, {"video": video, "text": f"n°{n}"}, ada.token) for n in range(5))
        )
        refused = [body["errors"][0] for body in bodies if body.get("errors")]
        assert len(refused) == 2
        for error in refused:
            assert code_of(error) == "RATE_LIMITED"
            assert 3500 < error["extensions"]["retry_after"] <= 3600
        await comment(api, owner, video)  # others are not held back
        later = now + timedelta(hours=1, seconds=1)
        monkeypatch.setattr(workflows.hourly_cap, "utcnow", lambda: later)
        await comment(api, ada, video, "une heure plus tard")


async def test_reported_comments_enter_the_queue_and_moderators_act_on_them(
    settings: Settings,
) -> None:
    # Behind a proxy that says where each client is: reports weigh where they come from.
    async with running_api(
        settings.model_copy(update={"client_ip_header": CLIENT_IP_HEADER})
    ) as api:
        await _reported_comments_enter_the_queue(api)


async def _reported_comments_enter_the_queue(api: Api) -> None:
    owner, troll, mod, *reporters = await accounts(api, 10)
    await make_moderator(mod)
    video = (await post_video(api, owner))["id"]
    said = (await comment(api, troll, video, "va-t'en"))["id"]
    error = await api.error(REPORT_COMMENT, {"id": said, "reason": "SPAM"}, troll.token)
    assert code_of(error) == "BAD_USER_INPUT"
    variables = {"id": said, "reason": "HARASSMENT", "details": "insulte"}
    assert (await api.data(REPORT_COMMENT, variables, reporters[0].token))["reportComment"]

    (case,) = await queue(api, mod)
    assert case["target_type"] == "COMMENT"
    assert case["user"]["id"] == troll.id
    case_doc = (await api.data(QUEUE_COMMENT, {}, mod.token))["moderationQueue"]["edges"][0]
    assert case_doc["node"]["comment"] == {"id": said, "text": "va-t'en", "hidden": False}

    await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, mod.token)
    assert await comment_ids(api, video, owner) == []
    hidden = (await api.data(COMMENTS, {"id": video}, troll.token))["video"]["comments"]
    assert [edge["node"]["hidden"] for edge in hidden["edges"]] == [True]  # its author sees it
    await api.data(MODERATE, {"case": case["id"], "action": "RESTORE"}, mod.token)
    assert await comment_ids(api, video, owner) == [said]
    await api.data(MODERATE, {"case": case["id"], "action": "DISMISS"}, mod.token)
    assert await comment_ids(api, video, owner) == [said]

    # Reports weighing enough hide it pending review, as a video: fresh accounts' weigh
    # nothing, established climbers' from places of their own do.
    for reporter in reporters[1:4]:
        await api.data(REPORT_COMMENT, {"id": said, "reason": "SPAM"}, reporter.token)
    assert await comment_ids(api, video, owner) == [said]
    await established(*reporters[4:])
    for reporter in reporters[4:]:
        variables = {"id": said, "reason": "HATE"}
        response = await api.post(
            REPORT_COMMENT, variables, reporter.token, {CLIENT_IP_HEADER: address_of(reporter)}
        )
        assert not response.json().get("errors")
    assert await comment_ids(api, video, owner) == []


QUEUE_COMMENT = """
query { moderationQueue(first: 5) { edges { node { comment { id text hidden } } } } }
"""


async def test_replies_racing_their_threads_deletion_leave_no_orphan_and_a_true_count(
    api: Api, db: Any
) -> None:
    owner, *repliers = await accounts(api, 6)
    video = (await post_video(api, owner))["id"]
    thread = (await comment(api, owner, video, "fil"))["id"]
    variables = [{"video": video, "text": f"re {n}", "reply_to": thread} for n in range(10)]
    replying = [
        api.execute(COMMENT, v, repliers[n % len(repliers)].token) for n, v in enumerate(variables)
    ]
    deleting = api.execute(DELETE_COMMENT, {"id": thread}, owner.token)
    bodies = await asyncio.gather(*replying[:5], deleting, *replying[5:])
    for body in bodies:  # each reply landed before the deletion (and went with it), or not
        for error in body.get("errors") or []:
            assert code_of(error) == "NOT_FOUND"
    assert await db.comments.count_documents({}) == 0
    shown = (await api.data(COMMENTS, {"id": video}))["video"]
    assert shown["comment_count"] == 0

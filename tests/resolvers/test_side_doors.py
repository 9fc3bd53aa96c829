"""Gates without side doors (issue 23): publishing by updateVideo or createGym passes the
terms; what moderation hid cannot be posted again; nobody decides their own case; a
blocked climber cannot report the blocker; blockedUsers shows the card, not the lists;
blockUser answers a suspended account as it answers an unknown id."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.settings import Settings
from tests.support.accounts import ACCEPT_TERMS
from tests.support.app import running_api
from tests.support.client import Account, Api, code_of
from tests.support.safety import (
    BLOCK,
    MODERATE,
    REPORT_USER,
    REPORT_VIDEO,
    UPDATE_VIDEO,
    make_moderator,
    queue,
    report_video,
)
from tests.support.social import follow
from tests.support.videos import POST_VIDEO, post_video, video_vars

VERSION = "2025-06"
TERMS = {"terms_version": VERSION, "terms_url": "https://perfect-boulder.test/terms"}
CREATE_GYM = 'mutation G($n: String!) { createGym(name: $n, location: "Lyon") { id name } }'
BLOCKED_LISTS = """
query { blockedUsers { edges { node { id pseudo
  followers { edges { node { id } } } following { edges { node { id } } }
  videos { edges { node { id } } } } } } }
"""


async def test_update_video_publishes_only_through_the_terms(settings: Settings) -> None:
    # Posted privately before the deployment had terms; now it has them.
    async with running_api(settings) as api:
        climber = await api.signup()
        video = await post_video(api, climber, visibility="PRIVATE")
    async with running_api(settings.model_copy(update=TERMS)) as api:
        for change in ({"visibility": "PUBLIC"}, {"visibility": "FOLLOWERS"},
                       {"caption": "look at this"}):  # fmt: skip
            refused = await api.error(UPDATE_VIDEO, {"id": video["id"], **change}, climber.token)
            assert code_of(refused) == "TERMS_NOT_ACCEPTED", change
        # Making it more private needs no terms.
        kept = await api.data(UPDATE_VIDEO, {"id": video["id"], "visibility": "PRIVATE"},
                              climber.token)  # fmt: skip
        assert kept["updateVideo"]["visibility"] == "PRIVATE"
        await api.data(ACCEPT_TERMS, {"v": VERSION}, climber.token)
        shown = await api.data(UPDATE_VIDEO, {"id": video["id"], "visibility": "PUBLIC"},
                               climber.token)  # fmt: skip
        assert shown["updateVideo"]["visibility"] == "PUBLIC"


async def test_create_gym_goes_through_the_terms(settings: Settings) -> None:
    async with running_api(settings.model_copy(update=TERMS)) as api:
        climber = await api.signup()
        refused = await api.error(CREATE_GYM, {"n": "Arkose Lyon"}, climber.token)
        assert code_of(refused) == "TERMS_NOT_ACCEPTED"
        await api.data(ACCEPT_TERMS, {"v": VERSION}, climber.token)
        created = await api.data(CREATE_GYM, {"n": "Arkose Lyon"}, climber.token)
        assert created["createGym"]["name"] == "Arkose Lyon"


@pytest.fixture
async def moderated(api: Api) -> tuple[Api, Account, Account]:
    """(the api, a moderator, a second moderator)."""
    first, second = await api.signup("ModOne"), await api.signup("ModTwo")
    await make_moderator(first)
    await make_moderator(second)
    return api, first, second


async def _case_of(api: Api, moderator: Account, video_id: str) -> dict[str, Any]:
    return next(c for c in await queue(api, moderator) if (c["video"] or {}).get("id") == video_id)


async def test_media_hidden_by_moderation_cannot_be_posted_again(
    moderated: tuple[Api, Account, Account],
) -> None:
    api, moderator, _ = moderated
    climber, witness = await api.signup(), await api.signup()
    video = await post_video(api, climber)
    await report_video(api, witness, video["id"])
    case = await _case_of(api, moderator, video["id"])
    await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, moderator.token)
    again = await api.error(POST_VIDEO, video_vars(video["video_url"]), climber.token)
    assert code_of(again) == "FORBIDDEN"
    # Other media still post.
    assert (await post_video(api, climber))["id"]


@pytest.mark.parametrize("action", ["HIDE", "RESTORE", "DISMISS", "SUSPEND_USER"])
async def test_no_moderator_decides_a_case_about_their_own_content(
    moderated: tuple[Api, Account, Account], action: str
) -> None:
    api, moderator, colleague = moderated
    witness = await api.signup()
    video = await post_video(api, moderator)
    await report_video(api, witness, video["id"])
    case = await _case_of(api, moderator, video["id"])
    refused = await api.error(MODERATE, {"case": case["id"], "action": action}, moderator.token)
    assert code_of(refused) == "FORBIDDEN"
    decided = await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, colleague.token)
    assert decided["moderate"]["resolution"] == "HIDE"


async def test_a_blocked_climber_cannot_report_the_blocker(api: Api) -> None:
    blocker, blocked = await api.signup(), await api.signup()
    video = await post_video(api, blocker)
    await api.data(BLOCK, {"id": blocked.id}, blocker.token)
    for document, target in ((REPORT_USER, blocker.id), (REPORT_VIDEO, video["id"])):
        refused = await api.error(document, {"id": target, "reason": "SPAM"}, blocked.token)
        assert code_of(refused) == "NOT_FOUND"
    # The blocker may still report whom they blocked.
    reported = await api.data(REPORT_USER, {"id": blocked.id, "reason": "SPAM"}, blocker.token)
    assert reported["reportUser"] is True


async def test_blocked_users_shows_the_card_not_the_lists(api: Api) -> None:
    blocker, blocked, friend = await api.signup(), await api.signup(), await api.signup()
    await follow(api, friend, blocked)
    await follow(api, blocked, friend)
    await post_video(api, blocked)
    await api.data(BLOCK, {"id": blocked.id}, blocker.token)
    [edge] = (await api.data(BLOCKED_LISTS, token=blocker.token))["blockedUsers"]["edges"]
    node = edge["node"]
    assert node["id"] == blocked.id
    assert node["followers"]["edges"] == []
    assert node["following"]["edges"] == []
    assert node["videos"]["edges"] == []


async def _suspended(api: Api, moderator: Account) -> Account:
    suspended, witness = await api.signup(), await api.signup()
    await api.data(REPORT_USER, {"id": suspended.id, "reason": "SPAM"}, witness.token)
    case = next(
        c for c in await queue(api, moderator) if (c["user"] or {}).get("id") == suspended.id
    )
    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, moderator.token)
    return suspended


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(unknown=st.binary(min_size=12, max_size=12).map(lambda raw: str(ObjectId(raw))))
async def test_block_user_answers_a_suspended_account_as_an_unknown_id(
    moderated: tuple[Api, Account, Account], unknown: str
) -> None:
    api, moderator, _ = moderated
    climber = await api.signup()
    suspended = await _suspended(api, moderator)
    hidden = await api.error(BLOCK, {"id": suspended.id}, climber.token)
    nobody = await api.error(BLOCK, {"id": unknown}, climber.token)
    answers = [(error["message"], code_of(error)) for error in (hidden, nobody)]
    assert answers == [("no user has this id", "NOT_FOUND")] * 2

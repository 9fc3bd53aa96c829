"""Terms of use: accepted at sign-up or later; publishing waits for them, the logbook never."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.settings import Settings
from tests.support.accounts import ACCEPT_TERMS, MY_ACCOUNT, TERMS
from tests.support.app import running_api
from tests.support.client import SIGNUP, Account, Api, code_of, upload_media
from tests.support.logbook import create_session
from tests.support.videos import POST_VIDEO, post_video, video_vars

VERSION = "2025-06"
TERMS_URL = "https://perfect-boulder.test/terms/2025-06"
UPDATE_PROFILE = """
mutation Update($pseudo: String, $bio: String, $avatar_url: String) {
  updateProfile(pseudo: $pseudo, bio: $bio, avatar_url: $avatar_url) { pseudo bio }
}
"""
SIGNUP_ACCEPTING = """
mutation Signup($email: String!, $password: String!, $pseudo: String!, $terms: String) {
  signup(email: $email, password: $password, pseudo: $pseudo, accept_terms_version: $terms) {
    token user { id }
  }
}
"""


@pytest.fixture
async def terms_api(settings: Settings) -> AsyncIterator[Api]:
    configured = settings.model_copy(update={"terms_version": VERSION, "terms_url": TERMS_URL})
    async with running_api(configured) as api:
        yield api


async def _signup_accepting(api: Api, pseudo: str, version: str | None) -> dict[str, object]:
    variables = {"email": f"{pseudo}@example.com", "password": "long enough pw", "pseudo": pseudo,
                 "terms": version}  # fmt: skip
    return await api.execute(SIGNUP_ACCEPTING, variables)


async def test_the_terms_are_served_and_null_when_unset(terms_api: Api, api: Api) -> None:
    assert await terms_api.data(TERMS) == {"terms": {"version": VERSION, "url": TERMS_URL}}
    assert await api.data(TERMS) == {"terms": None}


async def test_publishing_waits_for_the_terms_the_logbook_does_not(terms_api: Api) -> None:
    climber = await terms_api.signup()
    url = await upload_media(terms_api, climber, "VIDEO")
    refused = await terms_api.error(POST_VIDEO, video_vars(url), climber.token)
    assert code_of(refused) == "TERMS_NOT_ACCEPTED"
    assert refused["extensions"]["terms_version"] == VERSION
    assert refused["extensions"]["terms_url"] == TERMS_URL
    for change in ({"bio": "hello"}, {"pseudo": "NewName"}, {"avatar_url": ""}):
        error = await terms_api.error(UPDATE_PROFILE, change, climber.token)
        assert code_of(error) == "TERMS_NOT_ACCEPTED", change
    await create_session(terms_api, climber, "2025-06-01")  # private: no terms needed

    account = await terms_api.data(MY_ACCOUNT, token=climber.token)
    assert account["myAccount"]["terms_version"] is None
    accepted = await terms_api.data(ACCEPT_TERMS, {"v": VERSION}, climber.token)
    assert accepted == {"acceptTerms": {"terms_version": VERSION}}
    await post_video(terms_api, climber)
    await terms_api.data(UPDATE_PROFILE, {"bio": "hello"}, climber.token)


async def test_signup_can_accept_the_terms_in_the_same_call(terms_api: Api) -> None:
    body = await _signup_accepting(terms_api, "Accepter", VERSION)
    token = body["data"]["signup"]["token"]  # type: ignore[index]
    account = await terms_api.data(MY_ACCOUNT, token=token)
    assert account["myAccount"]["terms_version"] == VERSION
    assert account["myAccount"]["terms_accepted_at"] is not None
    climber = Account(token, "", "Accepter", "accepter@example.com", "long enough pw")
    await post_video(terms_api, climber)


async def test_only_the_current_version_can_be_accepted(terms_api: Api, api: Api) -> None:
    climber = await terms_api.signup()
    for version in ("2024-01", "", VERSION + "x"):
        error = await terms_api.error(ACCEPT_TERMS, {"v": version}, climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "version")
    body = await _signup_accepting(terms_api, "Stale", "2024-01")
    [error] = body["errors"]  # type: ignore[misc]
    assert (code_of(error), error["extensions"]["field"]) == (
        "BAD_USER_INPUT", "accept_terms_version",
    )  # fmt: skip
    # Without terms configured there is nothing to accept.
    other = await api.signup()
    error = await api.error(ACCEPT_TERMS, {"v": VERSION}, other.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "version")


async def test_without_terms_publishing_is_open_as_in_the_seed(api: Api) -> None:
    climber = await api.signup()
    await post_video(api, climber)
    await api.data(SIGNUP, {"email": "x@example.com", "password": "long enough pw",
                            "pseudo": "Seedflow"})  # fmt: skip


async def test_my_account_is_private_and_needs_a_sign_in(api: Api) -> None:
    climber = await api.signup()
    account = (await api.data(MY_ACCOUNT, token=climber.token))["myAccount"]
    assert account["email"] == climber.email
    assert account["created_at"].endswith("Z")
    assert code_of(await api.error(MY_ACCOUNT)) == "UNAUTHENTICATED"

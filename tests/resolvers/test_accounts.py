"""Sign-up, log-in, the viewer and profiles, as the app uses them."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.client import SIGNUP, Api, code_of

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id pseudo } }
}
"""
ME = "query { me { id pseudo bio avatar_url } }"
UPDATE_PROFILE = """
mutation Update($pseudo: String, $bio: String, $avatar_url: String) {
  updateProfile(pseudo: $pseudo, bio: $bio, avatar_url: $avatar_url) { id pseudo bio avatar_url }
}
"""


async def test_signup_then_login_then_me(api: Api) -> None:
    account = await api.signup("Alex_Honnold")
    me = (await api.data(ME, token=account.token))["me"]
    assert me == {"id": account.id, "pseudo": "Alex_Honnold", "bio": None, "avatar_url": None}

    logged = await api.data(
        LOGIN, {"email": "ALEX_HONNOLD@Example.com", "password": account.password}
    )
    assert logged["login"]["user"]["id"] == account.id
    me_again = await api.data(ME, token=logged["login"]["token"])
    assert me_again["me"]["id"] == account.id


async def test_concurrent_signups_with_one_email_in_different_cases_make_one_holder(
    api: Api, db: object
) -> None:
    """One account holds the address, whatever the case and however many ask at once;
    while it is unverified the others are made, waiting for it (test_email_verification);
    once it is verified they are refused."""
    variants = ["Same.Person@Example.com", "same.person@example.com", "SAME.PERSON@EXAMPLE.COM"]

    async def signups(first: int) -> list[dict[str, Any]]:
        responses = await asyncio.gather(*(
            api.post(SIGNUP, {"email": variants[i % 3], "password": "long enough pw",
                              "pseudo": f"racer{i}"})
            for i in range(first, first + 20)
        ))  # fmt: skip
        return [r.json() for r in responses]

    bodies = await signups(0)
    assert all(not b.get("errors") for b in bodies), bodies
    users = db["users"]  # type: ignore[index]
    assert await users.count_documents({"email_normalized": "same.person@example.com"}) == 1
    waiting = {"pending_email_normalized": "same.person@example.com"}
    assert await users.count_documents(waiting) == 19

    await users.update_one({"email_normalized": "same.person@example.com"},
                           {"$set": {"email_verified": True}})  # fmt: skip
    failed = [b["errors"][0] for b in await signups(20)]
    assert len(failed) == 20
    assert {code_of(e) for e in failed} == {"BAD_USER_INPUT"}
    assert {e["extensions"]["field"] for e in failed} == {"email"}
    assert await users.count_documents(waiting) == 19


async def test_a_taken_pseudo_is_reported_as_the_pseudo_even_if_it_reads_email(
    api: Api,
) -> None:
    await api.signup("email_fan")
    error = await api.error(
        SIGNUP, {"email": "fan2@example.com", "password": "long enough pw", "pseudo": "Email_Fan"}
    )
    assert error["extensions"]["field"] == "pseudo"


async def test_pseudo_is_unique_case_insensitively(api: Api) -> None:
    await api.signup("Crimper")
    error = await api.error(
        SIGNUP, {"email": "other@example.com", "password": "long enough pw", "pseudo": "cRIMPER"}
    )
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "pseudo"


async def test_bad_signup_input_names_the_field(api: Api) -> None:
    cases = [
        ({"email": "a@b.co", "password": "short", "pseudo": "okname"}, "password"),
        ({"email": "a@b.co", "password": "x" * 129, "pseudo": "okname"}, "password"),
        ({"email": "not-an-email", "password": "long enough pw", "pseudo": "okname"}, "email"),
        ({"email": "a@b.co", "password": "long enough pw", "pseudo": "ab"}, "pseudo"),
        ({"email": "a@b.co", "password": "long enough pw", "pseudo": "x" * 31}, "pseudo"),
        ({"email": "a@b.co", "password": "long enough pw", "pseudo": "has space"}, "pseudo"),
        ({"email": "a@b.co", "password": "long enough pw", "pseudo": "émile"}, "pseudo"),
    ]
    for variables, field in cases:
        error = await api.error(SIGNUP, variables)
        assert code_of(error) == "BAD_USER_INPUT", variables
        assert error["extensions"]["field"] == field, variables


async def test_login_fails_with_one_message_whether_or_not_the_email_exists(api: Api) -> None:
    account = await api.signup()
    wrong_password = await api.error(LOGIN, {"email": account.email, "password": "wrong password"})
    unknown_email = await api.error(LOGIN, {"email": "nobody@example.com", "password": "whatever1"})
    malformed = await api.error(LOGIN, {"email": "nope", "password": "whatever1"})
    assert wrong_password["message"] == unknown_email["message"] == malformed["message"]
    assert {code_of(wrong_password), code_of(unknown_email), code_of(malformed)} == {
        "UNAUTHENTICATED"
    }


async def test_me_requires_a_token(api: Api) -> None:
    error = await api.error(ME)
    assert code_of(error) == "UNAUTHENTICATED"


async def test_update_profile_changes_only_what_is_given(api: Api) -> None:
    account = await api.signup("Sloper")
    updated = await api.data(UPDATE_PROFILE, {"bio": "  Font addict  "}, account.token)
    assert updated["updateProfile"] == {
        "id": account.id,
        "pseudo": "Sloper",
        "bio": "Font addict",
        "avatar_url": None,
    }
    renamed = await api.data(UPDATE_PROFILE, {"pseudo": "Sloper.2"}, account.token)
    assert renamed["updateProfile"]["pseudo"] == "Sloper.2"
    assert renamed["updateProfile"]["bio"] == "Font addict"
    cleared = await api.data(UPDATE_PROFILE, {"bio": ""}, account.token)
    assert cleared["updateProfile"]["bio"] is None


async def test_update_profile_refuses_bad_input(api: Api) -> None:
    taken = await api.signup("Taken")
    account = await api.signup()
    cases = [
        ({"bio": "x" * 10_000}, "bio"),
        ({"pseudo": "taken"}, "pseudo"),
        ({"pseudo": "a"}, "pseudo"),
        ({"avatar_url": "https://evil.example.com/me.png"}, "avatar_url"),
    ]
    for variables, field in cases:
        error = await api.error(UPDATE_PROFILE, variables, account.token)
        assert code_of(error) == "BAD_USER_INPUT", variables
        assert error["extensions"]["field"] == field, variables
    me = (await api.data(ME, token=account.token))["me"]
    assert me["pseudo"] == account.pseudo
    assert me["bio"] is None
    assert taken.pseudo == "Taken"


async def test_user_by_id(api: Api) -> None:
    account = await api.signup("Dyno")
    query = "query($id: ID!) { user(id: $id) { id pseudo } }"
    found = await api.data(query, {"id": account.id})
    assert found["user"] == {"id": account.id, "pseudo": "Dyno"}
    missing = await api.data(query, {"id": "0123456789abcdef01234567"})
    assert missing["user"] is None
    error = await api.error(query, {"id": "not-an-id"})
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "id"

"""Revoking tokens: logout everywhere, password change."""

from __future__ import annotations

from tests.support.client import Api, code_of

ME = "query { me { id } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(current_password: $current, new_password: $new) { token user { id } }
}
"""


async def test_logout_everywhere_revokes_every_token(api: Api) -> None:
    account = await api.signup()
    other_device = (await api.data(LOGIN, {"e": account.email, "p": account.password}))["login"]
    assert (await api.data("mutation { logoutEverywhere }", token=account.token)) == {
        "logoutEverywhere": True
    }
    for token in (account.token, other_device["token"]):
        error = await api.error(ME, token=token)
        assert code_of(error) == "UNAUTHENTICATED"
        assert "revoked" in error["message"]
    fresh = (await api.data(LOGIN, {"e": account.email, "p": account.password}))["login"]
    assert (await api.data(ME, token=fresh["token"]))["me"]["id"] == account.id


async def test_password_change_revokes_old_tokens_and_keeps_this_device(api: Api) -> None:
    account = await api.signup()
    changed = await api.data(
        CHANGE, {"current": account.password, "new": "a brand new one"}, account.token
    )
    new_token = changed["changePassword"]["token"]
    assert (await api.data(ME, token=new_token))["me"]["id"] == account.id
    assert code_of(await api.error(ME, token=account.token)) == "UNAUTHENTICATED"
    old = await api.error(LOGIN, {"e": account.email, "p": account.password})
    assert code_of(old) == "UNAUTHENTICATED"
    assert await api.data(LOGIN, {"e": account.email, "p": "a brand new one"})


async def test_password_change_needs_the_current_password(api: Api) -> None:
    account = await api.signup()
    wrong = await api.error(
        CHANGE, {"current": "not it at all", "new": "whatever 123"}, account.token
    )
    assert code_of(wrong) == "BAD_USER_INPUT"
    assert wrong["extensions"]["field"] == "current_password"
    short = await api.error(CHANGE, {"current": account.password, "new": "short"}, account.token)
    assert short["extensions"]["field"] == "new_password"
    assert (await api.data(ME, token=account.token))["me"]["id"] == account.id

"""Guessers cannot lock an account's owner out: from a known device (the device token of
an earlier log-in), or after a password reset, the owner's correct password works while
any number of addresses keep guessing; a device token proves nothing for another
account, after a password change, or forged."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.settings import Settings
from tests.support.accounts import REQUEST_RESET, eventually, smtp_server, token_in
from tests.support.app import running_api
from tests.support.client import Api, code_of

HEADER = "X-Test-Client"
LOGIN = """
mutation Login($e: String!, $p: String!, $d: String) {
  login(email: $e, password: $p, device_token: $d) { token device_token }
}
"""
CHANGE = """
mutation Change($old: String!, $new: String!) {
  changePassword(current_password: $old, new_password: $new) { token device_token }
}
"""
RESET_FOR_DEVICE = """
mutation Reset($token: String!, $password: String!) {
  resetPassword(token: $token, new_password: $password) { token device_token }
}
"""
_guessers = (f"203.0.{n // 200}.{n % 200 + 1}" for n in itertools.count())


async def login(
    api: Api, email: str, password: str, device: str | None = None, client: str = "192.0.2.10"
) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"e": email, "p": password, "d": device}},
        headers={HEADER: client},
    )
    body: dict[str, Any] = response.json()
    return body


def outcome(body: dict[str, Any]) -> str:
    return code_of(body["errors"][0]) if body.get("errors") else "ok"


async def guess_from_many_addresses(api: Api, email: str, guesses: int) -> None:
    """A distributed guess: each wrong password from an address of its own."""
    for n in range(guesses):
        await login(api, email, f"guess number {n}", client=next(_guessers))


@pytest.fixture
async def behind_proxy(settings: Settings) -> Any:
    async with running_api(settings.model_copy(update={"client_ip_header": HEADER})) as api:
        yield api


async def test_the_owner_gets_in_from_a_known_device_during_a_distributed_guess(
    behind_proxy: Api,
) -> None:
    api = behind_proxy
    owner = await api.signup()
    device = (await login(api, owner.email, owner.password))["data"]["login"]["device_token"]
    assert device

    await guess_from_many_addresses(api, owner.email, 60)
    # Without the device token, the account's bucket is full: refused, even the owner.
    assert outcome(await login(api, owner.email, owner.password)) == "RATE_LIMITED"
    # From the known device: in, from any address, the guessers' own included.
    for client in ("192.0.2.10", "198.51.100.200", next(_guessers)):
        assert outcome(await login(api, owner.email, owner.password, device, client)) == "ok"


async def test_after_a_reset_the_owner_gets_in(settings: Settings) -> None:
    with smtp_server() as (inbox, port):
        configured = settings.model_copy(
            update={
                "client_ip_header": HEADER,
                "smtp_url": f"smtp://127.0.0.1:{port}",
                "email_from": "Perfect Boulder <no-reply@perfect-boulder.test>",
                "password_reset_url": "https://app.test/reset?token={token}",
            }
        )
        async with running_api(configured) as api:
            owner = await api.signup()
            await guess_from_many_addresses(api, owner.email, 60)
            assert outcome(await login(api, owner.email, owner.password)) == "RATE_LIMITED"
            await api.post(REQUEST_RESET, {"email": owner.email})

            async def mailed() -> Any:
                return inbox.to(owner.email)

            [mail] = await eventually(mailed)
            reset = await api.data(
                RESET_FOR_DEVICE, {"token": token_in(mail), "password": "a new one 42"}
            )
            # The reset logs the owner in, and its device token keeps them able to,
            # while the guessing goes on.
            assert reset["resetPassword"]["token"]
            device = reset["resetPassword"]["device_token"]
            await guess_from_many_addresses(api, owner.email, 10)
            assert outcome(await login(api, owner.email, "a new one 42")) == "RATE_LIMITED"
            assert outcome(await login(api, owner.email, "a new one 42", device)) == "ok"


async def test_a_device_token_is_no_key_to_another_account_nor_after_revocation(
    behind_proxy: Api,
) -> None:
    api = behind_proxy
    owner, stranger = await api.signup(), await api.signup()
    strangers_device = (await login(api, stranger.email, stranger.password))["data"]["login"][
        "device_token"
    ]
    owners = await login(api, owner.email, owner.password)
    owners_device = owners["data"]["login"]["device_token"]
    await guess_from_many_addresses(api, owner.email, 60)
    # Another account's device token is no known device for this one.
    body = await login(api, owner.email, owner.password, strangers_device)
    assert outcome(body) == "RATE_LIMITED"
    # A password change voids every device token of the account but the new one.
    changed = await api.data(
        CHANGE, {"old": owner.password, "new": "changed password 7"}, owners["data"]["login"][
            "token"]
    )  # fmt: skip
    new_device = changed["changePassword"]["device_token"]
    # (The change proved the owner and cleared the account's bucket; the guessing goes on.)
    await guess_from_many_addresses(api, owner.email, 60)
    assert outcome(await login(api, owner.email, "changed password 7", owners_device)) == (
        "RATE_LIMITED"
    )
    assert outcome(await login(api, owner.email, "changed password 7", new_device)) == "ok"


async def test_a_known_device_is_throttled_on_its_own(behind_proxy: Api) -> None:
    api = behind_proxy
    owner = await api.signup()
    device = (await login(api, owner.email, owner.password))["data"]["login"]["device_token"]
    outcomes = [outcome(await login(api, owner.email, "wrong", device)) for _ in range(8)]
    # A stolen device token buys a guesser 5 tries, then back-off: as from one address.
    assert outcomes[:5] == ["UNAUTHENTICATED"] * 5
    assert outcomes[-1] == "RATE_LIMITED"


_forged = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda nonce, mac: f"d1.{nonce}.{mac}",
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_", max_size=30),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_", max_size=30),
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(forged=_forged)
async def test_a_forged_device_token_bypasses_nothing(behind_proxy: Api, forged: str) -> None:
    api = behind_proxy
    owner = await _victim(api)
    body = await login(api, owner.email, owner.password, forged, client=next(_guessers))
    assert outcome(body) == "RATE_LIMITED", body


_victims: dict[int, Any] = {}


async def _victim(api: Api) -> Any:
    """One account per app, under a distributed guess that filled its bucket."""
    key = id(api)
    if key not in _victims:
        _victims[key] = await api.signup()
        await guess_from_many_addresses(api, _victims[key].email, 55)
    return _victims[key]

"""Log-in and sign-up throttling, as an attacker and as the account's owner see it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from api.settings import Settings
from api.wiring import throttle_rules
from tests.support.app import running_api
from tests.support.client import SIGNUP, Api, code_of
from tests.support.clock import HandClock
from workflows.throttle import Rule

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token }
}
"""


async def _login(api: Api, email: str, password: str) -> dict[str, Any]:
    return await api.execute(LOGIN, {"email": email, "password": password})


LOGIN_PER_ACCOUNT = throttle_rules(Settings(_env_file=None)).login_account


async def test_thirty_wrong_passwords_throttle_that_account_only(
    api: Api, throttle_clock: HandClock
) -> None:
    victim = await api.signup()
    bystander = await api.signup()
    codes = []
    for _ in range(30):
        body = await _login(api, victim.email, "wrong password")
        codes.append(code_of(body["errors"][0]))
    assert codes[: LOGIN_PER_ACCOUNT.free] == ["UNAUTHENTICATED"] * LOGIN_PER_ACCOUNT.free
    assert codes[-1] == "RATE_LIMITED"
    limited = (await _login(api, victim.email, victim.password))["errors"][0]
    assert code_of(limited) == "RATE_LIMITED"
    assert limited["extensions"]["retry_after"] >= 1

    # Other accounts, from the same address, log in normally.
    assert "errors" not in await _login(api, bystander.email, bystander.password)

    # Once the window has passed, the owner gets in.
    throttle_clock.advance(LOGIN_PER_ACCOUNT.window + timedelta(seconds=1))
    assert "errors" not in await _login(api, victim.email, victim.password)


async def test_guessing_from_elsewhere_cannot_lock_the_owner_out(settings: Settings) -> None:
    # Behind a proxy that names the client: the attacker and the owner differ by address.
    async with running_api(settings.model_copy(update={"client_ip_header": "x-client"})) as api:
        owner = await api.signup()

        async def login(password: str, address: str) -> dict[str, Any]:
            response = await api.http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"email": owner.email, "password": password}},
                headers={"x-client": address},
            )
            body: dict[str, Any] = response.json()
            return body

        codes = [
            code_of((await login("wrong password", "198.51.100.66"))["errors"][0])
            for _ in range(LOGIN_PER_ACCOUNT.free + 3)
        ]
        assert codes[-1] == "RATE_LIMITED"
        assert "errors" not in await login(owner.password, "203.0.113.10")


async def test_back_off_doubles_and_a_success_resets_it(
    api: Api, throttle_clock: HandClock
) -> None:
    account = await api.signup()
    for _ in range(LOGIN_PER_ACCOUNT.free):
        await _login(api, account.email, "wrong password")
    first = (await _login(api, account.email, "wrong password"))["errors"][0]
    assert code_of(first) == "RATE_LIMITED"
    # After the announced wait, one more try is allowed...
    throttle_clock.advance(timedelta(seconds=first["extensions"]["retry_after"]))
    assert code_of((await _login(api, account.email, "nope nope"))["errors"][0]) == (
        "UNAUTHENTICATED"
    )
    # ...and the next wait is longer.
    second = (await _login(api, account.email, "wrong password"))["errors"][0]
    assert second["extensions"]["retry_after"] > first["extensions"]["retry_after"]
    throttle_clock.advance(timedelta(minutes=1))
    assert "errors" not in await _login(api, account.email, account.password)
    assert code_of((await _login(api, account.email, "x" * 9))["errors"][0]) == "UNAUTHENTICATED"


async def test_aliased_logins_in_one_request_count_one_by_one(api: Api, db) -> None:
    account = await api.signup()
    aliases = " ".join(
        f'a{i}: login(email: "{account.email}", password: "wrong pw {i}") {{ token }}'
        for i in range(10)
    )
    # Mutations run one after another; each executed alias is one attempt, and the first
    # failure (login is non-null) ends the request: aliases never multiply the guesses.
    codes = []
    for _ in range(LOGIN_PER_ACCOUNT.free + 1):
        body = await api.execute("mutation { " + aliases + " }")
        codes.append([code_of(e) for e in body["errors"]])
    assert codes[: LOGIN_PER_ACCOUNT.free] == [["UNAUTHENTICATED"]] * LOGIN_PER_ACCOUNT.free
    assert codes[-1] == ["RATE_LIMITED"]
    stored = await db["throttle"].find_one({"_id": f"login-account-any:{account.email}"})
    assert len(stored["attempts"]) == LOGIN_PER_ACCOUNT.free


async def test_concurrent_wrong_passwords_cannot_slip_through_together(api: Api) -> None:
    account = await api.signup()
    bodies = await asyncio.gather(
        *(_login(api, account.email, f"wrong password {i}") for i in range(20))
    )
    codes = [code_of(b["errors"][0]) for b in bodies]
    assert codes.count("UNAUTHENTICATED") == LOGIN_PER_ACCOUNT.free
    assert codes.count("RATE_LIMITED") == 20 - LOGIN_PER_ACCOUNT.free


async def test_unknown_emails_are_throttled_like_real_ones(api: Api) -> None:
    codes = [
        code_of((await _login(api, "ghost@example.com", "wrong password"))["errors"][0])
        for _ in range(LOGIN_PER_ACCOUNT.free + 1)
    ]
    assert codes[-1] == "RATE_LIMITED"


async def test_signups_are_throttled_per_address(settings: Settings) -> None:
    async with running_api(settings.model_copy(update={"signups_per_address": 3})) as api:
        codes = []
        for i in range(5):
            body = await api.execute(
                SIGNUP,
                {"email": f"s{i}@example.com", "password": "long enough", "pseudo": f"s{i}xx"},
            )
            codes.append(code_of(body["errors"][0]) if body.get("errors") else "OK")
    assert codes[:3] == ["OK"] * 3
    assert codes[3] == "RATE_LIMITED"


async def test_attempts_expire_through_a_ttl_index(api: Api, db) -> None:
    # Checked on the database itself, as mongosh shows it: several machines share it.
    indexes = await db["throttle"].index_information()
    ttl = [spec for spec in indexes.values() if "expireAfterSeconds" in spec]
    assert ttl
    assert ttl[0]["key"] == [("expires_at", 1)]


async def test_large_limits_still_throttle(settings: Settings) -> None:
    # The attempts kept per key follow the rule: a limit of 120 still ends in back-off.
    loose = settings.model_copy(
        update={
            "login_attempts_per_account": 120,
            "login_attempts_per_account_total": 130,
            "login_attempts_per_address": 150,
        }
    )
    async with running_api(loose) as api:
        account = await api.signup()
        codes = [
            code_of((await _login(api, account.email, "wrong password"))["errors"][0])
            for _ in range(122)
        ]
    assert codes[:120] == ["UNAUTHENTICATED"] * 120
    assert codes[-1] == "RATE_LIMITED"


def test_retry_after_is_exponential_and_capped() -> None:
    rule = Rule("t", free=2, window=timedelta(minutes=15))
    now = datetime(2026, 1, 1, tzinfo=UTC)  # a pure rule: any instant will do
    assert rule.retry_after([now, now], now) == 1.0
    assert rule.retry_after([now] * 3, now) == 2.0
    assert rule.retry_after([now] * 4, now) == 4.0
    assert rule.retry_after([now] * 40, now) == 900.0
    assert rule.retry_after([now - timedelta(seconds=5)] * 3, now) == 0.0
    assert rule.retry_after([now], now) == 0.0


async def test_a_burst_of_first_logins_from_one_address_is_answered_not_crashed(
    api: Api, db: Any
) -> None:
    # Forty log-ins arrive at once from one address that has no attempt on record yet:
    # all race to create that address's throttling document. (A first burst of reads
    # opens enough database connections for the log-ins to really run side by side.)
    search = 'query { searchUsers(query: "nobody") { id } }'
    await asyncio.gather(*(api.data(search) for _ in range(40)))
    bodies = await asyncio.gather(
        *(_login(api, f"nobody{n}@example.com", "wrong password") for n in range(40))
    )
    codes = [code_of(body["errors"][0]) for body in bodies]
    assert codes == ["UNAUTHENTICATED"] * 40
    # Each failed attempt is on record once: none lost in the race, none counted twice.
    address = await db.throttle.find_one({"_id": {"$regex": "^login-ip:"}})
    assert len(address["attempts"]) == 40

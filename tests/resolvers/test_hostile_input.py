"""What an attacker sends, by class, with generated inputs: never a 500, never a stall.

Each class of hostile input found in review (issue 13) has its tests here.
"""

from __future__ import annotations

import asyncio
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Api, code_of

HOSTILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- 1. Documents whose fragments expand exponentially ------------------------------------


def _doubling_chain(n: int, fan: int) -> str:
    """Each fragment spreads the next `fan` times: fan^n fields once expanded."""
    spreads = " ".join
    body = [
        f"fragment F{i} on User {{ {spreads([f'...F{i + 1}'] * fan)} a{i}: pseudo }}"
        for i in range(n)
    ]
    return "\n".join(["{ me { ...F0 } }", *body, f"fragment F{n} on User {{ id }}"])


@HOSTILE
@given(n=st.integers(min_value=20, max_value=70), fan=st.integers(min_value=2, max_value=3))
async def test_fragment_bombs_within_the_token_cap_are_refused_quickly(
    api: Api, n: int, fan: int
) -> None:
    started = time.perf_counter()
    response = await api.post(_doubling_chain(n, fan))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert {code_of(e) for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
    assert elapsed < 5, elapsed  # a guard: expanded, this document would never finish


async def test_health_answers_while_fragment_bombs_arrive(api: Api) -> None:
    bombs = [api.post(_doubling_chain(60 + i % 10, 2)) for i in range(20)]
    started = time.perf_counter()
    health = asyncio.ensure_future(api.http.get("/healthz"))
    refused = await asyncio.gather(*bombs)
    assert (await health).status_code == 200
    assert all(
        r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" for r in refused
    )
    assert time.perf_counter() - started < 10


# --- 15. The account mutations (issue 15): any text, never a 500 -------------------------

_ACCOUNT_FIELDS = {
    "mutation M($v: String!) { requestPasswordReset(email: $v) }": {"email"},
    "mutation M($v: String!) { resetPassword(token: $v, new_password: $v) { token } }": {
        "token", "new_password",
    },
    "mutation M($v: String!) { acceptTerms(version: $v) { email } }": {"version"},
    "mutation M($v: String!) { deleteAccount(password: $v) }": {"password"},
}  # fmt: skip


@settings(HOSTILE, max_examples=20)  # each example signs a climber up (a password hash)
@given(text=st.text(max_size=300))
async def test_account_mutations_answer_any_text_with_a_named_field_or_a_limit(
    api: Api, text: str
) -> None:
    account = await api.signup()
    for query, fields in _ACCOUNT_FIELDS.items():
        body = await api.execute(query, {"v": text}, account.token)
        for error in body.get("errors") or []:
            code = code_of(error)
            assert code in ("BAD_USER_INPUT", "RATE_LIMITED"), (query, error)
            if code == "BAD_USER_INPUT":
                assert error["extensions"]["field"] in fields, (query, error)
    # The account is still there: no text deleted it but its own password.
    assert (await api.data("{ me { id } }", token=account.token))["me"]["id"] == account.id

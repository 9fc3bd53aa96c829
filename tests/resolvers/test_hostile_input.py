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

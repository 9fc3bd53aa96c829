"""Validation that one client cannot queue up, and a document cache it cannot flush.

Clients are told apart by address (CLIENT_IP_HEADER, as behind Fly's proxy). A client
sending large-but-legal new documents spends its own budget of validation time and is
then refused (RATE_LIMITED) while every other client's new documents are validated; the
others never wait behind its backlog, vouched documents (from the persisted-query
registry) go first; and junk documents from one address cannot evict the app's own from
the parsed-document cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kit.budget
import kit.clock
from api.settings import Settings
from tests.support.app import running_api
from tests.support.client import Api, code_of

HEADER = "X-Test-Client"
ATTACKER = "198.51.100.66"
_serial = itertools.count()


def heavy(fields: list[str]) -> str:
    """Legal (depth 2, no alias, ~800 tokens) yet slow to validate: graphql-core compares
    same-named fields pairwise. A serial number makes each text new."""
    return f"query Heavy{next(_serial)} {{ me {{ {' '.join(fields)} }} }}"


def light(tag: str) -> str:
    return f"query Light{tag} {{ gyms {{ id name }} }}"


async def send(api: Api, text: str, client: str, **body: Any) -> Response:
    return await api.http.post("/graphql", json={"query": text, **body}, headers={HEADER: client})


def answered(response: Response) -> bool:
    """Validated and run: data, or an error of execution (`me` signed out:
    UNAUTHENTICATED), none of the document or of the budget."""
    body = response.json()
    codes = {code_of(error) for error in body.get("errors") or []}
    return "data" in body and not codes & {"GRAPHQL_VALIDATION_FAILED", "RATE_LIMITED"}


def rate_limited(response: Response) -> bool:
    errors = response.json().get("errors") or []
    return bool(errors) and code_of(errors[0]) == "RATE_LIMITED"


def budgeted(configured: Settings, seconds_per_minute: float) -> Settings:
    return configured.model_copy(
        update={
            "client_ip_header": HEADER,
            "graphql_validation_seconds_per_minute": seconds_per_minute,
        }
    )


# Each example runs an app and seconds of validation: a failure is shown as found.
_NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)
# A heavy document's fields: a cycle of names repeated to a length (the text is built in
# the test, so that a failing example reads short).
_heavy_fields = st.tuples(
    st.lists(st.sampled_from(["pseudo", "id", "bio", "avatar_url"]), min_size=1, max_size=4),
    st.integers(min_value=500, max_value=800),
)


def fields_of(shape: tuple[list[str], int]) -> list[str]:
    cycle, count = shape
    return [cycle[i % len(cycle)] for i in range(count)]


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=_NO_SHRINKING,
)
@given(shapes=st.lists(_heavy_fields, min_size=4, max_size=8))
async def test_a_client_over_its_budget_is_refused_and_nobody_else_is(
    settings: Settings, shapes: list[tuple[list[str], int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = [fields_of(shape) for shape in shapes]
    monkeypatch.setattr(kit.budget, "utcnow", kit.clock.utcnow)  # real time, per example
    async with running_api(budgeted(settings, 0.1)) as api:
        texts = [heavy(fields) for fields in documents]
        outcomes = [await send(api, text, ATTACKER) for text in texts]
        # The first is validated (budgets are charged after the work; graphql-core may
        # find it valid, or abort it as too much work); once ~0.1 s of validation is
        # spent, the next new documents are refused, with a retry_after.
        assert not rate_limited(outcomes[0])
        refused = [r for r in outcomes if rate_limited(r)]
        assert refused, [r.json() for r in outcomes]
        retry_after = refused[-1].json()["errors"][0]["extensions"]["retry_after"]
        assert retry_after >= 1

        # Its documents already validated still run; every other client is unaffected.
        assert not rate_limited(await send(api, texts[0], ATTACKER))
        for n in range(3):
            other = await send(api, heavy(documents[n]), f"192.0.2.{n + 1}")
            assert not rate_limited(other), other.json()
        # Once `retry_after` has passed, the budget has refilled enough.
        later = kit.clock.utcnow() + timedelta(seconds=retry_after + 1)
        monkeypatch.setattr(kit.budget, "utcnow", lambda: later)
        assert not rate_limited(await send(api, heavy(documents[-1]), ATTACKER))


async def _queued(api: Api, backlog: list[str], late: Any) -> tuple[list[Response], Response, int]:
    """Send `backlog` from the attacker at once, then `late` once the first of them was
    validated (the others, parsed in milliseconds, wait by then): the answers, and how
    many backlog answers came before the late one's."""
    finished: list[str] = []
    first_done = asyncio.Event()

    async def attack(text: str) -> Response:
        response = await send(api, text, ATTACKER)
        finished.append("attacker")
        first_done.set()
        return response

    async def victim() -> Response:
        await first_done.wait()
        response: Response = await late
        finished.append("victim")
        return response

    *answers, victim_answer = await asyncio.gather(*(attack(t) for t in backlog), victim())
    return answers, victim_answer, finished.index("victim")


async def test_new_documents_do_not_wait_behind_one_clients_backlog(settings: Settings) -> None:
    # A budget that lets the backlog run (nothing is refused): only the order is tested.
    async with running_api(budgeted(settings, 1000.0)) as api:
        backlog = [heavy(["pseudo", "id", "bio"] * 250) for _ in range(8)]
        answers, victim, before = await _queued(
            # A document that needs no database: its answer leaves as soon as it ran.
            api,
            backlog,
            send(api, "query LightVictim { me { id } }", "192.0.2.7"),
        )
    assert answered(victim)
    assert all(answered(a) for a in answers)
    # After the first, the victim waited for the document being validated when it
    # arrived, never for the backlog (in arrival order it would come ninth); one more
    # may finish while the victim's answer is on its way.
    assert before <= 3, before


async def test_documents_from_the_registry_go_before_anonymous_text(settings: Settings) -> None:
    configured = budgeted(settings, 1000.0)
    registered = light("persisted")
    digest = hashlib.sha256(registered.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with running_api(configured) as api:
        await send(api, registered, "192.0.2.9", extensions=persisted)
    # A fresh machine: the document is in the registry, not in this machine's cache.
    async with running_api(configured) as api:
        backlog = [heavy(["pseudo", "id", "bio"] * 250) for _ in range(8)]
        by_hash = api.http.post(
            "/graphql", json={"extensions": persisted}, headers={HEADER: "192.0.2.9"}
        )
        _, answer, before = await _queued(api, backlog, by_hash)
    assert answer.json() == {"data": {"gyms": []}}
    assert before <= 3, before


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=_NO_SHRINKING,
)
@given(junk=st.integers(min_value=300, max_value=600), twice=st.booleans())
async def test_junk_from_one_address_does_not_evict_the_apps_documents(
    settings: Settings, junk: int, twice: bool
) -> None:
    # A budget so small that a client validates one new document and then no other: an
    # app document answered again proves it came from the cache.
    async with running_api(budgeted(settings, 1e-6)) as api:
        kept = {f"192.0.2.{n}": light(f"app{next(_serial)}") for n in range(1, 6)}
        for client, text in kept.items():
            assert answered(await send(api, text, client))
            assert answered(await send(api, text, client))  # seen twice: in the main cache
        seen_once = light(f"once{next(_serial)}")
        assert answered(await send(api, seen_once, "192.0.2.50"))
        # One address floods new texts (each one refused after the first, but parsed and
        # offered to the cache), each sent twice if `twice`.
        for _ in range(junk):
            text = light(f"junk{next(_serial)}")
            for _copy in range(2 if twice else 1):
                await send(api, text, ATTACKER)
        for client, text in kept.items():
            assert answered(await send(api, text, client)), client
        # The control: a document seen only once was flushed from probation, and its
        # client, out of budget, cannot have it validated again.
        assert rate_limited(await send(api, seen_once, "192.0.2.50"))

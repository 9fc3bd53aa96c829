"""Push delivery to a local server speaking FCM HTTP v1 and Google's OAuth token endpoint:
through the front door (a like reaches the owner's phone), then the worker's answers to
FCM's errors, its bounds, and a delivery cut short by a crash."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

import workflows.push
from api.settings import Settings
from kit.fcm import FcmClient, ServiceAccount
from models.notification import Event
from models.push_outbox import DROPPED, FAILED, PENDING, SENT
from models.registry import Repositories
from tests.support.accounts import eventually
from tests.support.app import running_api
from tests.support.client import Api, code_of
from tests.support.comments import UPDATE_SETTINGS, inbox
from tests.support.fcm_server import (
    INTERNAL,
    INVALID_TOKEN,
    UNAVAILABLE,
    UNREGISTERED,
    FcmServer,
    ServiceAccountKey,
    fcm_server,
    quota_exceeded,
)
from tests.support.social import FOLLOW
from tests.support.videos import LIKE, accounts, post_video
from workflows.notifications import Notifications
from workflows.push import Devices, PushOutbox, PushWorker

REGISTER = """
mutation Register($token: String!, $platform: Platform!, $locale: String) {
  registerDevice(token: $token, platform: $platform, locale: $locale)
}
"""
UNREGISTER = "mutation Unregister($token: String!) { unregisterDevice(token: $token) }"
LOGOUT_EVERYWHERE = "mutation { logoutEverywhere }"

KEY = ServiceAccountKey.generate()  # 2048-bit RSA: made once for the module


@pytest.fixture
async def fcm() -> AsyncIterator[FcmServer]:
    async with fcm_server(KEY) as server:
        yield server


def push_settings(settings: Settings, server: FcmServer) -> Settings:
    return settings.model_copy(
        update={
            "fcm_service_account_json": KEY.account_json(server.token_url),
            "fcm_endpoint": server.url,
            "fcm_token_url": server.token_url,
        }
    )


# --- through the front door ------------------------------------------------------------


async def test_a_like_reaches_the_owners_phones_in_their_language(
    settings: Settings, fcm: FcmServer, db: Any
) -> None:
    async with running_api(push_settings(settings, fcm)) as api:
        owner, ada, bob = await accounts(api, 3)
        video = (await post_video(api, owner))["id"]
        for token, platform, locale in (
            ("phone-fr", "ANDROID", "fr-FR"),
            ("phone-en", "IOS", None),
        ):
            variables = {"token": token, "platform": platform, "locale": locale}
            assert (await api.data(REGISTER, variables, owner.token))["registerDevice"]

        assert (await api.data(LIKE, {"id": video}, ada.token))["likeVideo"]
        await eventually(lambda: _count(fcm, 2))
        (entry,) = await inbox(api, owner)
        by_token = {m["token"]: m for m in fcm.accepted()}
        assert by_token["phone-fr"]["notification"]["body"] == f"{ada.pseudo} a aimé ta vidéo"
        assert by_token["phone-en"]["notification"]["body"] == f"{ada.pseudo} liked your video"
        for message in by_token.values():
            assert message["android"]["collapse_key"] == entry["id"]
            assert message["apns"]["headers"]["apns-collapse-id"] == entry["id"]
            assert message["data"] == {
                "kind": "LIKE", "notification_id": entry["id"], "video_id": video,
            }  # fmt: skip
            assert ada.email not in str(message)

        # The group's next like replaces the push on the phone (same collapse key).
        await api.data(LIKE, {"id": video}, bob.token)
        await eventually(lambda: _count(fcm, 4))
        later = [m for m in fcm.accepted()[2:] if m["token"] == "phone-en"]
        assert later[0]["notification"]["body"] == f"{bob.pseudo} and 1 other liked your video"
        assert later[0]["android"]["collapse_key"] == entry["id"]
        # One access token served every send: cached until it expires.
        assert len(fcm.token_requests) == 1
        claims = fcm.token_requests[0]
        assert claims["aud"] == fcm.token_url
        assert claims["exp"] - claims["iat"] <= 3600
        sent = await db.push_outbox.count_documents({"state": SENT})
        assert sent == 4


async def _count(server: FcmServer, n: int) -> bool:
    return len(server.accepted()) >= n


async def test_no_push_for_a_kind_switched_off_or_after_logout_everywhere(
    settings: Settings, fcm: FcmServer, db: Any
) -> None:
    async with running_api(push_settings(settings, fcm)) as api:
        owner, ada, bob = await accounts(api, 3)
        await api.data(REGISTER, {"token": "phone", "platform": "IOS"}, owner.token)
        switch = [{"kind": "FOLLOW", "push": False}]
        await api.data(UPDATE_SETTINGS, {"settings": switch}, owner.token)
        await api.data(FOLLOW, {"id": owner.id}, ada.token)
        assert [e["kind"] for e in await inbox(api, owner)] == ["FOLLOW"]  # the inbox has it
        assert await db.push_outbox.count_documents({}) == 0

        await api.data(LOGOUT_EVERYWHERE, None, owner.token)
        assert await db.devices.count_documents({}) == 0
        video = (await post_video(api, bob))["id"]
        await api.data(REGISTER, {"token": "bob-phone", "platform": "ANDROID"}, bob.token)
        await api.data(UNREGISTER, {"token": "bob-phone"}, bob.token)
        await api.data(LIKE, {"id": video}, ada.token)
        assert await db.push_outbox.count_documents({}) == 0
        assert fcm.received == []


async def test_without_a_service_account_push_is_off_and_the_inbox_works(api: Api, db: Any) -> None:
    owner, ada = await accounts(api, 2)
    await api.data(REGISTER, {"token": "phone", "platform": "IOS"}, owner.token)
    await api.data(FOLLOW, {"id": owner.id}, ada.token)
    assert len(await inbox(api, owner)) == 1
    assert await db.push_outbox.count_documents({}) == 0


_TOKEN_CLASSES = {
    "space or control": st.characters(categories=["Zs", "Cc"]),
    "beyond ASCII": st.characters(min_codepoint=0x80, exclude_categories=["Cs"]),
}


@examples(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(sorted(_TOKEN_CLASSES)),
    data=st.data(),
)
async def test_device_tokens_of_each_hostile_class_are_refused(
    api: Api, kind: str, data: st.DataObject
) -> None:
    account = api.__dict__.get("_device_owner") or await api.signup()
    api.__dict__["_device_owner"] = account
    base = data.draw(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
    at = data.draw(st.integers(min_value=0, max_value=len(base)))
    token = base[:at] + data.draw(_TOKEN_CLASSES[kind]) + base[at:]
    body = await api.execute(REGISTER, {"token": token, "platform": "IOS"}, account.token)
    (error,) = body["errors"]
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "token"


async def test_device_fields_are_checked(api: Api) -> None:
    account = await api.signup()
    for variables, field in (
        ({"token": "x" * 4097, "platform": "IOS"}, "token"),
        ({"token": "", "platform": "IOS"}, "token"),
        ({"token": "ok", "platform": "IOS", "locale": "français"}, "locale"),
    ):
        error = await api.error(REGISTER, variables, account.token)
        assert error["extensions"]["field"] == field
    ok = {"token": "x" * 4096, "platform": "ANDROID", "locale": "fr_CA"}
    assert (await api.data(REGISTER, ok, account.token))["registerDevice"]


# --- the worker, below the GraphQL layer ------------------------------------------------


class Clock:
    """The push workflow's clock, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(workflows.push, "utcnow", lambda: self.now)

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
async def clients(fcm: FcmServer) -> AsyncIterator[list[FcmClient]]:
    """FCM clients for the test's workers (closed afterwards)."""
    made: list[FcmClient] = []
    yield made
    for client in made:
        await client.close()


def client_for(server: FcmServer, clients: list[FcmClient]) -> FcmClient:
    account = ServiceAccount.from_json(KEY.account_json(server.token_url))
    clients.append(FcmClient(account, endpoint=server.url))
    return clients[-1]


@pytest.fixture
async def people(repos: Repositories) -> list[Any]:
    made = []
    for name in ("owner", "ada"):
        made.append(
            await repos.users.create(
                email=f"{name}@example.com",
                email_normalized=f"{name}@example.com",
                pseudo=name,
                pseudo_normalized=name,
                password_hash="x",
            )
        )
    return made


@asynccontextmanager
async def running(worker: PushWorker) -> AsyncIterator[None]:
    """The worker delivering, until the block ends: then cancelled, as a killed process."""
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _states(repos: Repositories, db: Any) -> list[str]:
    return [raw["state"] async for raw in db.push_outbox.find({}).sort("_id", 1)]


async def _follow_noted(
    repos: Repositories, worker: PushWorker, people: list[Any], tokens: list[str]
) -> None:
    owner, ada = people
    for token in tokens:
        await Devices(repos).register(owner.id, token, "ANDROID", "en")
    notifications = Notifications(repos, pusher=PushOutbox(repos, worker))
    await notifications.followed(ada.id, owner.id)


@pytest.mark.parametrize(
    ("failure", "wait"),
    [(quota_exceeded(30), 30), (UNAVAILABLE, 2), (INTERNAL, 2)],
    ids=["429 Retry-After", "503", "500"],
)
async def test_busy_or_failing_fcm_is_retried_after_its_wait(
    repos: Repositories, db: Any, fcm: FcmServer, clock: Clock, people: list[Any],
    clients: list[FcmClient], failure: Any, wait: int,
) -> None:  # fmt: skip
    fcm.scripts["phone"] = [failure]
    worker = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02)
    await _follow_noted(repos, worker, people, ["phone"])
    async with running(worker):
        await eventually(lambda: _received(fcm, 1))
        await eventually(lambda: _retry_set(db))
        stored = await db.push_outbox.find_one({})
        due = stored["run_after"].replace(tzinfo=UTC)
        assert abs((due - clock.now).total_seconds() - wait) < 1  # its wait, honoured
        await asyncio.sleep(0.1)  # a few polls: nothing is due yet
        assert len(fcm.received) == 1
        clock.move(seconds=wait + 1)
        await eventually(lambda: _count(fcm, 1))
        await eventually(lambda: _state_is(db, SENT))
    assert fcm.accepted()[0]["notification"]["body"] == "ada started following you"


async def _received(server: FcmServer, n: int) -> bool:
    return len(server.received) >= n


async def _retry_set(db: Any) -> bool:
    stored = await db.push_outbox.find_one({"last_error": {"$ne": None}})
    return stored is not None and stored.get("lease") is None


async def _state_is(db: Any, state: str) -> bool:
    others: int = await db.push_outbox.count_documents({"state": {"$ne": state}})
    return others == 0


@pytest.mark.parametrize("refusal", [UNREGISTERED, INVALID_TOKEN], ids=["UNREGISTERED", "400"])
async def test_a_token_fcm_refuses_is_dropped_with_its_pending_pushes(
    repos: Repositories,
    db: Any,
    fcm: FcmServer,
    clock: Clock,
    people: list[Any],
    refusal: Any,
    clients: list[FcmClient],
) -> None:
    fcm.scripts["gone"] = [refusal]
    worker = PushWorker(repos, client_for(fcm, clients), concurrency=1, poll_seconds=0.02)
    await _follow_noted(repos, worker, people, ["gone", "kept"])
    async with running(worker):
        await eventually(lambda: _count(fcm, 1))
        await eventually(lambda: _no_pending(db))
    assert [d["token"] async for d in db.devices.find({})] == ["kept"]
    assert {raw["token"]: raw["state"] async for raw in db.push_outbox.find({})} == {
        "gone": DROPPED, "kept": SENT,
    }  # fmt: skip


async def _no_pending(db: Any) -> bool:
    pending: int = await db.push_outbox.count_documents({"state": PENDING})
    return pending == 0


async def test_a_push_failing_every_time_is_given_up(
    repos: Repositories,
    db: Any,
    fcm: FcmServer,
    clock: Clock,
    people: list[Any],
    clients: list[FcmClient],
) -> None:
    fcm.scripts["phone"] = [UNAVAILABLE] * 3
    worker = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02, max_attempts=3)
    await _follow_noted(repos, worker, people, ["phone"])
    async with running(worker):
        for n in range(1, 3):
            await eventually(lambda n=n: _received(fcm, n))  # type: ignore[misc]
            await eventually(lambda: _retry_set(db))
            clock.move(minutes=20)
        await eventually(lambda: _state_is(db, FAILED))
    assert len(fcm.received) == 3
    assert fcm.accepted() == []


async def test_deliveries_run_at_most_concurrency_at_once(
    repos: Repositories,
    db: Any,
    fcm: FcmServer,
    clock: Clock,
    people: list[Any],
    clients: list[FcmClient],
) -> None:
    fcm.delay = 0.05
    worker = PushWorker(repos, client_for(fcm, clients), concurrency=3, poll_seconds=0.02)
    await _follow_noted(repos, worker, people, [f"phone-{n}" for n in range(12)])
    async with running(worker):
        await eventually(lambda: _count(fcm, 12))
        await eventually(lambda: _state_is(db, SENT))
    assert fcm.most_in_flight == 3
    assert sorted(m["token"] for m in fcm.accepted()) == sorted(f"phone-{n}" for n in range(12))


async def test_a_withdrawn_notification_is_not_pushed(
    repos: Repositories,
    db: Any,
    fcm: FcmServer,
    clock: Clock,
    people: list[Any],
    clients: list[FcmClient],
) -> None:
    worker = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02)
    await _follow_noted(repos, worker, people, ["phone"])
    owner, ada = people
    await Notifications(repos).unfollowed(ada.id, owner.id)  # before the worker ran
    async with running(worker):
        await eventually(lambda: _state_is(db, DROPPED))
    assert fcm.received == []


async def test_a_delivery_cut_short_by_a_crash_resumes_on_another_worker(
    repos: Repositories,
    db: Any,
    fcm: FcmServer,
    clock: Clock,
    people: list[Any],
    clients: list[FcmClient],
) -> None:
    fcm.hang = asyncio.Event()  # FCM takes the message, and never answers
    first = PushWorker(
        repos, client_for(fcm, clients), poll_seconds=0.02, lease=timedelta(seconds=60)
    )
    await _follow_noted(repos, first, people, ["phone"])
    async with running(first):
        await eventually(lambda: _received(fcm, 1))
    # The first worker is gone mid-delivery (its task cancelled, as a killed process
    # would be): the entry stays leased, not sent, and no one takes it before the lease ends.
    leased = await db.push_outbox.find_one({})
    assert leased["state"] == PENDING
    assert leased["lease"] is not None
    fcm.hang.set()
    fcm.hang = None
    second = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02)
    async with running(second):
        await asyncio.sleep(0.1)
        assert len(fcm.received) == 1  # still leased
        clock.move(seconds=61)
        await eventually(lambda: _received(fcm, 2))
        await eventually(lambda: _state_is(db, SENT))
    # At least once: the repeat carries the first one's collapse key, replacing it.
    assert [m["android"]["collapse_key"] for m in fcm.received] == [
        fcm.received[0]["android"]["collapse_key"]
    ] * 2
    stored = await db.push_outbox.find_one({})
    assert stored["attempts"] == 2


async def test_claims_are_exclusive_between_workers(
    repos: Repositories, db: Any, clock: Clock, people: list[Any], clients: list[FcmClient]
) -> None:
    owner, _ = people
    for n in range(20):
        await Devices(repos).register(owner.id, f"phone-{n}", "IOS", None)
    await PushOutbox(repos).enqueue(Event(owner.id, "FOLLOW", "FOLLOW:x"), None)
    claims = await asyncio.gather(
        *(repos.push_outbox.claim(clock.now, timedelta(seconds=60)) for _ in range(30))
    )
    taken = [claim.id for claim in claims if claim is not None]
    assert len(taken) == 20
    assert len(set(taken)) == 20


async def test_a_refused_access_token_is_renewed_on_the_retry(
    repos: Repositories, db: Any, fcm: FcmServer, clock: Clock, people: list[Any],
    clients: list[FcmClient],
) -> None:  # fmt: skip
    worker = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02)
    await _follow_noted(repos, worker, people, ["phone"])
    client = clients[-1]
    await client.access_token()
    fcm.issued.clear()  # Google revoked it (a rotated key, say)
    clock.move(seconds=1)
    async with running(worker):
        await eventually(lambda: _retry_set(db))  # 401: tried again
        clock.move(seconds=5)
        await eventually(lambda: _state_is(db, SENT))
    assert len(fcm.token_requests) == 2


def test_a_service_account_that_cannot_sign_stops_the_service(settings: Settings) -> None:
    from api.app import create_app
    from api.settings import ConfigurationError

    for broken in ("{}", "not json", KEY.account_json("x").replace("PRIVATE KEY", "KEY")):
        with pytest.raises(ConfigurationError, match="FCM service account"):
            create_app(settings.model_copy(update={"fcm_service_account_json": broken}))


async def test_a_worker_process_killed_mid_delivery_is_resumed_by_another(
    repos: Repositories, db: Any, settings: Settings, fcm: FcmServer, clock: Clock,
    people: list[Any], clients: list[FcmClient],
) -> None:  # fmt: skip
    fcm.hang = asyncio.Event()  # FCM takes the message, and does not answer yet
    worker = PushWorker(repos, client_for(fcm, clients), poll_seconds=0.02)
    await _follow_noted(repos, worker, people, ["phone"])
    env = {**os.environ, "FCM_SERVICE_ACCOUNT_JSON": KEY.account_json(fcm.token_url)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.push_worker_process",
        str(settings.mongodb_url), settings.mongodb_db, fcm.url,
        env=env, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await eventually(lambda: _received(fcm, 1), within=60)
    finally:
        process.kill()  # SIGKILL, mid-delivery: nothing of it runs after this
        await process.wait()
    fcm.hang.set()
    fcm.hang = None
    leased = await db.push_outbox.find_one({})
    assert leased["state"] == PENDING
    assert leased["lease"] is not None
    # The dead worker's lease (taken on the real clock, a few seconds after this one's
    # start) runs out.
    clock.move(seconds=120)
    async with running(worker):
        await eventually(lambda: _received(fcm, 2))
        await eventually(lambda: _state_is(db, SENT))
    keys = {m["android"]["collapse_key"] for m in fcm.received}
    assert len(keys) == 1  # sent twice at most, under one collapse key


async def test_stopping_lets_the_delivery_under_way_end_and_claims_no_more(
    repos: Repositories, db: Any, fcm: FcmServer, clock: Clock, people: list[Any],
    clients: list[FcmClient],
) -> None:  # fmt: skip
    fcm.delay = 0.3
    worker = PushWorker(repos, client_for(fcm, clients), concurrency=1, poll_seconds=10)
    await _follow_noted(repos, worker, people, ["one", "two"])
    task = asyncio.create_task(worker.run())
    await eventually(lambda: _received(fcm, 1))
    await worker.stop(grace_seconds=5)
    assert task.done()
    assert len(fcm.received) == 1  # the second was never claimed
    assert sorted([raw["state"] async for raw in db.push_outbox.find({})]) == [PENDING, SENT]

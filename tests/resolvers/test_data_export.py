"""exportMyData: one JSON document of everything a climber owns, downloaded privately."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bson import ObjectId
from jsonschema import Draft202012Validator

from api.settings import Settings
from storage import local_routes
from storage.local import LocalStorage
from tests.support.accounts import EXPORT, Climbers, eventually, seed_climbers
from tests.support.app import running_api
from tests.support.client import Api, code_of, upload_media
from tests.support.comments import comment
from tests.support.logbook import create_croix

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())


async def _download(api: Api, url: str) -> Any:
    parts = urlsplit(url)
    return await api.http.get(f"{parts.path}?{parts.query}")


async def _export(api: Api, token: str) -> tuple[dict[str, Any], Any]:
    ticket = (await api.data(EXPORT, token=token))["exportMyData"]
    response = await _download(api, ticket["download_url"])
    return ticket, response


async def test_the_export_holds_everything_of_the_climber_and_nothing_private_of_others(
    api: Api,
) -> None:
    world: Climbers = await seed_climbers(api)
    alice = world.alice
    photo = await upload_media(api, alice, "PHOTO")
    project = await create_croix(api, alice, photo, status="PROJECT", date="2025-05-09")
    said = await comment(api, alice, world.bob_video, "Joli jeté !")
    await comment(api, world.bob, world.bob_video, "Merci", reply_to=said["id"])
    started = datetime.now(UTC)

    ticket, response = await _export(api, alice.token)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["content-type"].startswith("application/json")
    assert "no-store" in response.headers["cache-control"]
    expires = datetime.fromisoformat(ticket["expires_at"].replace("Z", "+00:00"))
    assert started < expires <= started + timedelta(minutes=15, seconds=5)

    document = response.json()
    Draft202012Validator(SCHEMA).validate(document)
    assert document["account"]["email"] == alice.email
    assert document["account"]["logbook_visibility"] == "PRIVATE"  # the default, as stored
    assert document["profile"]["pseudo"] == "Alice"
    sessions = {s["id"] for s in document["sessions"]}
    assert set(world.alice_sessions) <= sessions
    assert len(sessions) == len(world.alice_sessions) + 1  # the project's day
    croix = {c["id"] for s in document["sessions"] for c in s["croix"]}
    assert croix == {*world.alice_croix, project["id"]}
    assert {v["id"] for v in document["videos"]} == set(world.alice_videos)
    assert all(v["like_count"] == 2 for v in document["videos"])
    assert {f["pseudo"] for f in document["followers"]} == {"Bob", "Carol"}
    assert {f["pseudo"] for f in document["following"]} == {"Bob", "Carol"}
    assert [v["id"] for v in document["liked_videos"]] == [world.bob_video]
    assert document["comments"] == [
        {"id": said["id"], "video_id": world.bob_video, "text": "Joli jeté !",
         "reply_to": None, "created_at": said["created_at"]},
    ]  # fmt: skip
    assert [p["first_croix_id"] for p in document["projects"]["open"]] == [project["id"]]
    assert set(world.alice_media) | {project["photo_url"]} == set(document["media"])

    text = response.text
    for private in (world.bob.email, world.carol.email, world.bob_croix_notes, "bob's private"):
        assert private not in text
    # Who liked her videos is not hers to take: only the count.
    assert world.bob.id not in json.dumps(document["videos"])


async def test_the_download_is_private_signed_and_short_lived(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    ticket, response = await _export(api, climber.token)
    assert response.status_code == 200
    parts = urlsplit(ticket["download_url"])
    key = parts.path.removeprefix("/downloads/")
    assert key.startswith(f"exports/{climber.id}/")
    # Not public: the media route does not serve it, and the signature is required.
    assert (await api.http.get(f"/media/{key}")).status_code == 404
    assert (await api.http.get(parts.path)).status_code == 404
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    for tampered in (
        {**query, "sig": "0" * 64},
        {**query, "expires": str(int(query["expires"]) + 3600)},
        {**query, "filename": "other.json"},
    ):
        forged = await api.http.get(f"{parts.path}?{urlencode(tampered)}")
        assert forged.status_code == 403
    later = datetime.now(UTC).timestamp() + 16 * 60
    monkeypatch.setattr(local_routes, "_now", lambda: later)
    assert (await _download(api, ticket["download_url"])).status_code == 403


async def test_one_export_every_few_minutes(api: Api) -> None:
    climber = await api.signup()
    await api.data(EXPORT, token=climber.token)
    limited = await api.error(EXPORT, token=climber.token)
    assert code_of(limited) == "RATE_LIMITED"
    assert 0 < limited["extensions"]["retry_after"] <= 300
    assert code_of(await api.error(EXPORT)) == "UNAUTHENTICATED"
    other = await api.signup()
    await api.data(EXPORT, token=other.token)  # per user, not per address


@pytest.fixture
async def quick_api(settings: Settings) -> AsyncIterator[Api]:
    quick = settings.model_copy(update={"export_interval_seconds": 1, "deletion_sweep_seconds": 1})
    async with running_api(quick) as api:
        yield api


async def test_exports_are_deleted_when_replaced_or_expired(
    quick_api: Api, settings: Settings, db: Any
) -> None:
    climber = await quick_api.signup()
    folder = Path(settings.data_dir) / "uploads" / "exports" / climber.id
    await quick_api.data(EXPORT, token=climber.token)
    [first] = list(folder.iterdir())

    async def exported_again() -> dict[str, Any] | None:
        body = await quick_api.execute(EXPORT, token=climber.token)
        return None if body.get("errors") else body

    await eventually(exported_again)
    [second] = list(folder.iterdir())
    assert second != first

    past = datetime.now(UTC) - timedelta(seconds=1)  # its URL expired
    await db.data_exports.update_one(
        {"_id": ObjectId(climber.id)}, {"$set": {"object_expires_at": past}}
    )

    async def swept() -> bool:
        return not second.exists()

    await eventually(swept)


async def test_a_failed_export_does_not_hold_up_the_next_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    original = LocalStorage.put_private

    async def disk_full(self: LocalStorage, key: str, body: bytes, content_type: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LocalStorage, "put_private", disk_full)
    failed = await api.error(EXPORT, token=climber.token)
    assert code_of(failed) == "INTERNAL_SERVER_ERROR"
    monkeypatch.setattr(LocalStorage, "put_private", original)
    await api.data(EXPORT, token=climber.token)

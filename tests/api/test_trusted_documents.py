"""Trusted documents: an Apollo persisted-query manifest, checked at start; with
TRUSTED_DOCUMENTS_ONLY nothing else runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.settings import ConfigurationError, Settings
from tests.support.app import running_api
from tests.support.client import code_of

GYMS = "query Gyms { gyms { name } }"
OTHER = "query Other { gyms { id } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def extensions(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def manifest(tmp_path: Path, *operations: dict[str, Any]) -> Path:
    path = tmp_path / "manifest.json"
    body = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(body))
    return path


def operation(body: str, name: str = "Gyms") -> dict[str, Any]:
    return {"id": sha(body), "body": body, "name": name, "type": "query"}


def trusted(settings: Settings, path: Path, *, only: bool) -> Settings:
    return settings.model_copy(
        update={"persisted_queries_manifest": path, "trusted_documents_only": only}
    )


def not_in_list(response: Any) -> None:
    assert response.status_code == 403, response.text
    assert code_of(response.json()["errors"][0]) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_only_the_manifest_runs(settings: Settings, tmp_path: Path, db: Any) -> None:
    path = manifest(tmp_path, operation(GYMS))
    async with running_api(trusted(settings, path, only=True)) as api:
        by_hash = await api.http.post("/graphql", json={"extensions": extensions(GYMS)})
        assert by_hash.json() == {"data": {"gyms": []}}
        over_get = await api.http.get(
            "/graphql", params={"extensions": json.dumps(extensions(GYMS))}
        )
        assert over_get.json() == {"data": {"gyms": []}}
        assert (await api.post(GYMS)).json() == {"data": {"gyms": []}}  # its exact text

        not_in_list(await api.post(OTHER))
        not_in_list(await api.http.post("/graphql", json={"extensions": extensions(OTHER)}))
        registering = {"query": OTHER, "extensions": extensions(OTHER)}
        not_in_list(await api.http.post("/graphql", json=registering))
        # Nothing learnt: the registry stays empty.
        assert await db.persisted_queries.count_documents({}) == 0
        # Signing up is not in this manifest either.
        not_in_list(await api.post("mutation { logoutEverywhere }"))


async def test_a_manifest_alone_adds_known_documents(
    settings: Settings, tmp_path: Path, db: Any
) -> None:
    path = manifest(tmp_path, operation(GYMS))
    async with running_api(trusted(settings, path, only=False)) as api:
        by_hash = await api.http.post("/graphql", json={"extensions": extensions(GYMS)})
        assert by_hash.json() == {"data": {"gyms": []}}
        assert (await api.post(OTHER)).json() == {"data": {"gyms": []}}
    assert await db.persisted_queries.count_documents({}) == 0


DEEP = "query Deep { me { " + "videos { user { " * 6 + "id" + " } }" * 6 + " } }"


@pytest.mark.parametrize(
    ("operations", "problem"),
    [
        ([operation(DEEP, "Deep")], "Deep"),
        ([operation("query Broken { gyms {", "Broken")], "Broken"),
        ([{**operation(GYMS), "id": sha(OTHER)}], "SHA-256"),
        ([{**operation(GYMS), "type": "query!"}], "type"),
        ([{"id": sha(GYMS), "body": GYMS}], "name"),
    ],
)
def test_a_manifest_the_limits_refuse_stops_the_start(
    settings: Settings, tmp_path: Path, operations: list[dict[str, Any]], problem: str
) -> None:
    path = manifest(tmp_path, *operations)
    with pytest.raises(ConfigurationError, match=problem):
        create_app(trusted(settings, path, only=True))


def test_a_file_that_is_no_manifest_stops_the_start(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    for content in ("{", '{"format": "relay", "version": 1, "operations": []}', "[]"):
        path.write_text(content)
        with pytest.raises(ConfigurationError, match="PERSISTED_QUERIES_MANIFEST"):
            create_app(trusted(settings, path, only=True))
    with pytest.raises(ConfigurationError, match="PERSISTED_QUERIES_MANIFEST"):
        create_app(trusted(settings, tmp_path / "missing.json", only=True))


def test_trusted_only_needs_a_manifest(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="PERSISTED_QUERIES_MANIFEST"):
        Settings(_env_file=None, trusted_documents_only=True, mongodb_url=settings.mongodb_url)

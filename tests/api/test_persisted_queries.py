"""Automatic persisted queries, as Apollo's persisted-queries link speaks them: the hash
first, then hash and query when the server does not know it; over POST, and over GET
(`useGETForHashedQueries`)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import Response

from api.settings import Settings
from tests.support.app import running_api
from tests.support.client import Api, code_of

GYMS = "query Gyms($q: String!) { gyms(query: $q) { id name } }"
ME = "query Me { me { pseudo } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str, digest: str | None = None) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest or sha(text)}}


async def post(
    api: Api, extensions: dict[str, Any], query: str | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {"extensions": extensions, "variables": {"q": ""}, **extra}
    if query is not None:
        body["query"] = query
    return await api.http.post("/graphql", json=body)


async def get(
    api: Api, extensions: dict[str, Any], query: str | None = None, **headers: str
) -> Response:
    params = {"extensions": json.dumps(extensions), "variables": json.dumps({"q": ""})}
    if query is not None:
        params["query"] = query
    return await api.http.get("/graphql", params=params, headers=headers)


def not_found(response: Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert code_of(error) == "PERSISTED_QUERY_NOT_FOUND"


async def test_apollo_link_flow_over_post(api: Api) -> None:
    not_found(await post(api, persisted(GYMS)))

    registered = await post(api, persisted(GYMS), GYMS)
    assert registered.status_code == 200
    assert registered.json() == {"data": {"gyms": []}}

    again = await post(api, persisted(GYMS))
    assert again.status_code == 200
    assert again.json() == {"data": {"gyms": []}}


async def test_apollo_link_flow_over_get(api: Api) -> None:
    # Apollo's link sends `Accept: */*` unless told otherwise: not a browser asking for
    # the IDE, since it names a persisted query.
    not_found(await get(api, persisted(GYMS), accept="*/*"))
    registered = await get(api, persisted(GYMS), GYMS)
    assert registered.json() == {"data": {"gyms": []}}
    again = await get(api, persisted(GYMS), accept="*/*")
    assert again.json() == {"data": {"gyms": []}}


# What each Apollo client sends with a hashed query, from its sources: the `Accept` it
# sends by default, its own headers, and the method of the hashed request (the retry with
# the document is a POST for all three).
APOLLO_CLIENTS = {
    # Apollo iOS 1.x (JSONRequest): POST unless useGETForPersistedQueryRetry is set.
    "apollo-ios-1": (
        "POST",
        {
            "Accept": "multipart/mixed;deferSpec=20220824,application/graphql-response+json,"
            "application/json",
            "X-APOLLO-OPERATION-NAME": "Gyms",
            "X-APOLLO-OPERATION-TYPE": "query",
            "apollographql-client-name": "com.example.boulder-apollo-ios",
            "apollographql-client-version": "1.0-1",
        },
    ),
    # Apollo Kotlin 4 (DefaultHttpRequestComposer): hashed queries over GET by default.
    "apollo-kotlin-4": (
        "GET",
        {
            "Accept": "multipart/mixed;deferSpec=20220824, application/graphql-response+json, "
            "application/json",
            "X-APOLLO-OPERATION-NAME": "Gyms",
            "X-APOLLO-OPERATION-ID": sha(GYMS),
        },
    ),
    # Apollo Client Web 3.x/4 (HttpLink): POST unless useGETForHashedQueries.
    "apollo-client-web": (
        "POST",
        {"accept": "application/graphql-response+json,application/json;q=0.9"},
    ),
}


@pytest.mark.parametrize("client", sorted(APOLLO_CLIENTS))
async def test_every_apollo_client_gets_a_not_found_it_retries_on(api: Api, client: str) -> None:
    # Apollo iOS 1.x fails on any status but 2xx before its persisted-query interceptor
    # reads the errors, so the answer is 200 whatever the client accepts (Apollo Server's).
    method, headers = APOLLO_CLIENTS[client]
    if method == "GET":
        first = await get(api, persisted(GYMS), **headers)
    else:
        first = await api.http.post(
            "/graphql",
            json={"extensions": persisted(GYMS), "variables": {"q": ""}},
            headers=headers,
        )
    not_found(first)
    retry = await api.http.post(
        "/graphql",
        json={"query": GYMS, "extensions": persisted(GYMS), "variables": {"q": ""}},
        headers=headers,
    )
    assert (retry.status_code, retry.json()) == (200, {"data": {"gyms": []}})
    if method == "GET":
        again = await get(api, persisted(GYMS), **headers)
    else:
        again = await api.http.post(
            "/graphql",
            json={"extensions": persisted(GYMS), "variables": {"q": ""}},
            headers=headers,
        )
    assert (again.status_code, again.json()) == (200, {"data": {"gyms": []}})


async def test_the_registry_is_shared_by_every_machine(settings: Settings, db: Any) -> None:
    async with running_api(settings) as first:
        assert (await post(first, persisted(GYMS), GYMS)).json() == {"data": {"gyms": []}}
    async with running_api(settings) as second:
        assert (await post(second, persisted(GYMS))).json() == {"data": {"gyms": []}}
    stored = await db.persisted_queries.find_one({"_id": sha(GYMS)})
    assert stored["query"] == GYMS
    assert stored["expires_at"] > datetime.now(UTC).replace(tzinfo=None) + timedelta(days=29)


async def test_an_expired_document_is_not_found(settings: Settings, db: Any) -> None:
    async with running_api(settings) as first:
        await post(first, persisted(GYMS), GYMS)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await db.persisted_queries.update_one({"_id": sha(GYMS)}, {"$set": {"expires_at": past}})
    async with running_api(settings) as second:
        not_found(await post(second, persisted(GYMS)))


async def test_a_hash_that_is_not_the_querys_is_refused(api: Api, db: Any) -> None:
    wrong = sha("query Other { me { id } }")
    response = await post(api, persisted(GYMS, wrong), GYMS)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert code_of(error) == "BAD_REQUEST"
    assert error["message"] == "provided sha does not match query"
    # Nothing registered under either hash.
    assert await db.persisted_queries.count_documents({}) == 0
    not_found(await post(api, persisted(GYMS, wrong)))


async def test_the_document_limits_apply_before_anything_is_registered(api: Api, db: Any) -> None:
    deep = "query Deep { me { " + "videos { user { " * 6 + "id" + " } }" * 6 + " } }"
    response = await post(api, persisted(deep), deep)
    assert code_of(response.json()["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"
    unparsable = "query Broken { me { "
    response = await post(api, persisted(unparsable), unparsable)
    assert code_of(response.json()["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"
    assert await db.persisted_queries.count_documents({}) == 0
    not_found(await post(api, persisted(deep)))


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": sha(GYMS)},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "a string",
    ],
)
async def test_a_malformed_persisted_query_is_a_bad_request(api: Api, extension: Any) -> None:
    response = await post(api, {"persistedQuery": extension}, GYMS)
    assert response.status_code == 400
    assert code_of(response.json()["errors"][0]) == "BAD_REQUEST"


async def test_the_registry_is_bounded(settings: Settings, db: Any) -> None:
    settings = settings.model_copy(update={"persisted_queries_max_entries": 2})
    documents = [f"query Q{n} {{ gyms {{ id }} }}" for n in range(3)]
    async with running_api(settings) as api:
        for document in documents:
            # Beyond the bound a document still runs; it is only not stored.
            assert (await post(api, persisted(document), document)).json() == {"data": {"gyms": []}}
    assert await db.persisted_queries.count_documents({}) == 2


async def test_a_signed_in_persisted_query_runs_as_the_viewer(api: Api) -> None:
    account = await api.signup()
    headers = {"Authorization": f"Bearer {account.token}"}
    body = {"query": ME, "extensions": persisted(ME)}
    first = await api.http.post("/graphql", json=body, headers=headers)
    assert first.json() == {"data": {"me": {"pseudo": account.pseudo}}}
    hashed = await api.http.post("/graphql", json={"extensions": persisted(ME)}, headers=headers)
    assert hashed.json() == {"data": {"me": {"pseudo": account.pseudo}}}

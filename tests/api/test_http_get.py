"""Queries over GET (never mutations), and what caches may keep of any answer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from httpx import Response

from tests.support.client import SIGNUP, Api, code_of

GYMS = "query Gyms($q: String!) { gyms(query: $q) { name } }"
ME = "query Me { me { pseudo } }"
NOT_STORED = "private, no-store"


async def get(api: Api, params: dict[str, str], token: str | None = None) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.http.get("/graphql", params=params, headers=headers)


async def test_a_query_over_get_with_url_encoded_variables(api: Api) -> None:
    account = await api.signup()
    await api.data(
        'mutation { createGym(name: "Arkose Nation", location: "Paris") { id } }',
        token=account.token,
    )
    response = await get(api, {"query": GYMS, "variables": json.dumps({"q": "arkose & co"})})
    assert response.json() == {"data": {"gyms": []}}
    response = await get(api, {"query": GYMS, "variables": json.dumps({"q": "nation"})})
    assert response.json() == {"data": {"gyms": [{"name": "Arkose Nation"}]}}
    # Anonymous, no errors: the one answer a shared cache may keep, briefly.
    assert response.headers["cache-control"] == "public, max-age=30"
    assert "Authorization" in response.headers["vary"]


async def test_a_signed_in_query_over_get_is_stored_by_no_cache(api: Api) -> None:
    account = await api.signup()
    response = await get(api, {"query": ME}, account.token)
    assert response.json() == {"data": {"me": {"pseudo": account.pseudo}}}
    assert response.headers["cache-control"] == NOT_STORED


async def test_answers_with_errors_and_posts_are_stored_by_no_cache(api: Api) -> None:
    anonymous_me = await get(api, {"query": ME})
    assert code_of(anonymous_me.json()["errors"][0]) == "UNAUTHENTICATED"
    assert anonymous_me.headers["cache-control"] == NOT_STORED
    posted = await api.post(GYMS, {"q": ""})
    assert posted.json() == {"data": {"gyms": []}}
    assert posted.headers["cache-control"] == NOT_STORED
    bad = await get(api, {"query": GYMS, "variables": "{not json"})
    assert bad.status_code == 400
    assert code_of(bad.json()["errors"][0]) == "BAD_REQUEST"
    assert bad.headers["cache-control"] == NOT_STORED


def signup_variables(pseudo: str) -> dict[str, Any]:
    return {"email": f"{pseudo}@example.com", "password": "correct horse 1", "pseudo": pseudo}


async def refused_over_get(response: Response) -> None:
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert response.headers["cache-control"] == NOT_STORED
    assert code_of(response.json()["errors"][0]) == "BAD_REQUEST"


async def test_a_mutation_over_get_is_refused_and_not_run(api: Api) -> None:
    response = await get(
        api, {"query": SIGNUP, "variables": json.dumps(signup_variables("getter"))}
    )
    await refused_over_get(response)
    # Nothing ran: the pseudo is still free.
    await api.signup("getter")


async def test_a_persisted_mutation_over_get_is_refused_and_not_run(api: Api) -> None:
    extensions = {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(SIGNUP.encode()).hexdigest()}
    }
    registered = await api.http.post(
        "/graphql",
        json={"query": SIGNUP, "variables": signup_variables("poster"), "extensions": extensions},
    )
    assert registered.json()["data"]["signup"]["user"]["pseudo"] == "poster"
    response = await get(
        api,
        {
            "extensions": json.dumps(extensions),
            "variables": json.dumps(signup_variables("hashgetter")),
        },
    )
    await refused_over_get(response)
    await api.signup("hashgetter")


async def test_a_browser_still_gets_graphiql_in_development(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert page.headers["cache-control"] == NOT_STORED

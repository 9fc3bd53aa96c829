"""The GraphQL-over-HTTP media type for the clients that ask for it; `application/json`
clients keep the classic answers (HTTP 200, `data: null`)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from httpx import Response

from tests.support.client import Api, code_of

GRAPHQL_RESPONSE = "application/graphql-response+json"
MODERN = {"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
CLASSIC = {"Accept": "application/json"}
GYMS = "query Gyms($q: String!) { gyms(query: $q) { name } }"

# Requests that run nothing: a document that does not parse or validate, variables that
# do not coerce.
NOTHING_RAN: dict[str, tuple[str, dict[str, Any]]] = {
    "syntax": ("query Broken { gyms(", {}),
    "unknown field": ("query Q { gyms { secret } }", {}),
    "wrong variable type": (GYMS, {"q": 5}),
    "missing variable": (GYMS, {}),
    "null for non-null": (GYMS, {"q": None}),
}


async def post(
    api: Api, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> Response:
    return await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


@pytest.mark.parametrize("case", sorted(NOTHING_RAN))
async def test_nothing_ran_is_a_4xx_without_data(api: Api, case: str) -> None:
    query, variables = NOTHING_RAN[case]
    response = await post(api, query, variables, MODERN)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert code_of(body["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("case", sorted(NOTHING_RAN))
async def test_json_clients_keep_the_classic_answer(api: Api, case: str) -> None:
    query, variables = NOTHING_RAN[case]
    for headers in (CLASSIC, {}, {"Accept": f"{GRAPHQL_RESPONSE};q=0, application/json"}):
        response = await post(api, query, variables, headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["data"] is None
        assert code_of(body["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"


async def test_answers_that_ran_are_200_with_data(api: Api) -> None:
    ok = await post(api, GYMS, {"q": ""}, MODERN)
    assert (ok.status_code, ok.json()) == (200, {"data": {"gyms": []}})
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    # An execution error nulls the whole answer (me is non-null) but something ran.
    anonymous = await post(api, "query Me { me { pseudo } }", {}, MODERN)
    assert anonymous.status_code == 200
    body = anonymous.json()
    assert body["data"] is None
    assert code_of(body["errors"][0]) == "UNAUTHENTICATED"


async def test_request_errors_and_persisted_queries_in_the_media_type(api: Api) -> None:
    bad = await api.http.post(
        "/graphql", content=b"{", headers={**MODERN, "Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert code_of(bad.json()["errors"][0]) == "BAD_REQUEST"
    digest = hashlib.sha256(GYMS.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await api.http.post("/graphql", json={"extensions": extensions}, headers=MODERN)
    # 200 even in the media type, as Apollo Server answers (tests/api/test_persisted_queries.py)
    assert unknown.status_code == 200
    assert unknown.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert code_of(unknown.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"

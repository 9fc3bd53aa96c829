"""Abusive documents are refused fast with a clear code; the server stays up."""

from __future__ import annotations

import asyncio

import pytest

from api.settings import AppEnv
from resolvers.extensions.document_gate import MAX_ALIASES, MAX_BODY_BYTES, MAX_DEPTH, MAX_TOKENS
from tests.support.app import running_api
from tests.support.client import Api, code_of


async def test_a_document_deeper_than_the_limit_is_refused(api: Api) -> None:
    query = "query { " + "a { " * (MAX_DEPTH + 5) + "b" + " }" * (MAX_DEPTH + 5) + " }"
    errors = (await api.execute(query))["errors"]
    depth = [e for e in errors if "exceeds maximum operation depth" in e["message"]]
    assert depth
    assert code_of(depth[0]) == "GRAPHQL_VALIDATION_FAILED"


def _nested_videos(levels: int) -> str:
    """feedPage → edges → node → user → videos → edges → node → user → …: 4 levels each."""
    inner = "id"
    for _ in range(levels):
        inner = f"videos(first: 1) {{ edges {{ node {{ user {{ {inner} }} }} }} }}"
    return f"{{ feedPage(first: 1) {{ edges {{ node {{ user {{ {inner} }} }} }} }} }}"


async def test_depth_is_measured_on_real_fields(api: Api) -> None:
    # depth 4 + 4 + 1 = 9: the deepest query the app needs is served...
    assert "feedPage" in await api.data(_nested_videos(1))
    # ...one more level of nesting is refused.
    error = await api.error(_nested_videos(2))
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_a_document_that_may_return_too_much_is_refused_before_it_runs(
    api: Api,
) -> None:
    # Passes depth, alias and token limits, but asks for 50 x 15 x 50 videos.
    aliases = " ".join(
        f"a{i}: videos(first: 50) {{ edges {{ node {{ caption video_url grade color "
        f"created_at user {{ pseudo }} }} }} }}"
        for i in range(15)
    )
    query = "{ feedPage(first: 50) { edges { node { user { " + aliases + " } } } } }"
    error = await api.error(query)
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "too expensive" in error["message"]
    # The same document with small pages is fine, and variables count too.
    small = query.replace("first: 50", "first: 2")
    assert "feedPage" in await api.data(small)
    by_variable = (
        "query($n: Int) { feedPage(first: $n) { edges { node { user { "
        + aliases.replace("first: 50", "first: $n")
        + " } } } } }"
    )
    for _ in range(2):  # the second time, from the document's remembered verdicts
        assert "too expensive" in (await api.error(by_variable, {"n": 50}))["message"]
        assert "feedPage" in await api.data(by_variable, {"n": 2})
    # A variable left out takes the operation's default; a null page, the field's default.
    defaulted = by_variable.replace("query($n: Int)", "query($n: Int = 50)")
    assert "too expensive" in (await api.error(defaulted))["message"]
    assert "feedPage" in await api.data(defaulted, {"n": 2})
    null_page = query.replace("feedPage(first: 50)", "feedPage(first: null)")  # 20, not 1
    assert "too expensive" in (await api.error(null_page))["message"]


async def test_a_cached_document_is_refused_as_the_first_time(api: Api) -> None:
    """Documents are parsed and validated once, then served from the cache: a refusal
    must read the same the second time (and a syntax error is never cached)."""
    deep = "query { " + "a { " * (MAX_DEPTH + 5) + "b" + " }" * (MAX_DEPTH + 5) + " }"
    for query in ("{ nope }", "{ feedPage(first: 1) { edges { node { id } }", deep):
        first, again = await api.execute(query), await api.execute(query)
        seen = [[(e["message"], code_of(e)) for e in body["errors"]] for body in (first, again)]
        assert seen[0] == seen[1]
        assert {code for _, code in seen[0]} == {"GRAPHQL_VALIDATION_FAILED"}


async def test_the_apps_largest_query_fits_the_budget(api: Api) -> None:
    account = await api.signup()
    query = """{ mySessions { id date feeling notes gym { id name location }
      croix { id photo_url color grade status notes } } }"""
    assert (await api.data(query, token=account.token)) == {"mySessions": []}


async def test_alias_bombs_are_refused(api: Api) -> None:
    aliases = " ".join(f'a{i}: searchUsers(query: "x") {{ id }}' for i in range(MAX_ALIASES + 1))
    error = await api.error("query { " + aliases + " }")
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "alias" in error["message"].lower()


async def test_token_floods_are_refused(api: Api) -> None:
    fields = " ".join("__typename" for _ in range(MAX_TOKENS))
    error = await api.error("query { " + fields + " }")
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "token" in error["message"].lower()


async def test_directive_floods_are_refused(api: Api) -> None:
    fields = " ".join(f"f{i}: __typename @include(if: true)" for i in range(14))
    directives = " ".join("@skip(if: false)" for _ in range(60))
    errors = (await api.execute("query { " + fields + " x: __typename " + directives + " }"))[
        "errors"
    ]
    assert any("too many directives" in e["message"] for e in errors)


async def test_an_oversized_body_gets_413(api: Api) -> None:
    padding = "#" + "x" * MAX_BODY_BYTES + "\n"
    response = await api.http.post("/graphql", json={"query": padding + "{ __typename }"})
    assert response.status_code == 413


async def test_a_chunked_oversized_body_gets_413(api: Api) -> None:
    async def chunks():  # no Content-Length: the cap must count bytes as they arrive
        yield b'{"query": "#'
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"x" * 1024
        yield b'\\n{ __typename }"}'

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"query": "{ __typename }", "variables": NaN}', b"\xff\xfe", b""],
    ids=["broken", "NaN", "not UTF-8", "empty"],
)
async def test_a_body_that_is_not_json_gets_a_400(api: Api, body: bytes) -> None:
    response = await api.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.text


async def test_unicode_survives_the_round_trip(api: Api) -> None:
    name = "Zoé 🧗 \u2028 «crux»"
    data = await api.data("query($q: String!) { searchUsers(query: $q) { id } }", {"q": name})
    assert data == {"searchUsers": []}
    error = await api.error(f'query {{ user(id: "{name}") {{ id }} }}')
    assert code_of(error) == "BAD_USER_INPUT"


async def test_batched_operations_are_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )
    assert response.status_code == 400


async def test_the_server_stays_responsive_while_bombs_are_refused(api: Api) -> None:
    aliases = " ".join(f"a{i}: me {{ id }}" for i in range(200))
    bombs = [api.post("query { " + aliases + " }") for _ in range(30)]
    healthy = api.http.get("/healthz")
    *refused, health = await asyncio.gather(*bombs, healthy)
    assert health.status_code == 200
    assert all(
        r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" for r in refused
    )


async def test_unexpected_errors_are_masked_with_a_request_id(api: Api, monkeypatch) -> None:
    from models.user import UserRepository

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals: mongodb://admin:hunter2@db")

    monkeypatch.setattr(UserRepository, "search_by_pseudo_prefix", broken)
    response = await api.post('query { searchUsers(query: "abc") { id } }')
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["request_id"] == response.headers["x-request-id"]
    assert "hunter2" not in response.text


async def test_a_sane_client_request_id_is_echoed(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "phone-1234abcd"}
    )
    assert response.headers["x-request-id"].endswith("-phone-1234abcd")
    again = await api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "phone-1234abcd"}
    )
    assert again.headers["x-request-id"] != response.headers["x-request-id"]
    forged = await api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "bad\nid"}
    )
    assert forged.headers["x-request-id"] != "bad\nid"


async def test_production_gives_no_field_suggestions(settings) -> None:
    typo = "{ feedPag(first: 1) { edges { cursor } } }"
    async with running_api(settings) as development:
        assert "Did you mean" in (await development.error(typo))["message"]
    production = settings.model_copy(
        update={
            "app_env": AppEnv.PRODUCTION,
            "r2_account_id": "0123456789abcdef",
            "r2_access_key": "test-access-key",
            "r2_secret_key": "test-secret-key",
            "r2_bucket": "media",
            "r2_public_url": "https://media.example.com",
            "smtp_url": "smtps://mailer:secret@smtp.example.com:465",
            "email_from": "no-reply@example.com",
        }
    )
    async with running_api(production) as api:
        error = await api.error(typo)
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "feedPag" in error["message"]
    assert "Did you mean" not in error["message"]

"""Bearer tokens: what is accepted, what gets UNAUTHENTICATED, and restarts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from api.settings import Settings
from tests.support.app import TEST_JWT_SECRET
from tests.support.client import BASE_URL, Api, code_of

ME = "query { me { id } }"
VIEWER_FREE_QUERY = 'query { gyms(query: "") { id } }'
USER = "query($id: ID!) { user(id: $id) { id } }"


def _claims(user_id: str, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": user_id, "iat": now, "exp": now + timedelta(hours=1),
        "iss": "perfect-boulder", "aud": "perfect-boulder-app", "ver": 0,
    }  # fmt: skip
    claims.update(overrides)
    return claims


def _json_claims(user_id: str) -> dict[str, object]:
    """Claims that would be valid in every way, as plain JSON (for hand-made tokens)."""
    now = int(datetime.now(UTC).timestamp())
    return {**_claims(user_id), "iat": now, "exp": now + 3600}


def _b64(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


async def _me_code(api: Api, token: str) -> str:
    return code_of(await api.error(ME, token=token))


async def test_a_valid_token_works(api: Api) -> None:
    account = await api.signup()
    token = jwt.encode(_claims(account.id), TEST_JWT_SECRET, algorithm="HS256")
    assert (await api.data(ME, token=token))["me"]["id"] == account.id


def _signed(
    user_id: str, secret: str = TEST_JWT_SECRET, alg: str = "HS256", **claims: object
) -> str:
    return jwt.encode(_claims(user_id, **claims), secret, algorithm=alg)


FORGERIES: dict[str, Callable[[str], str]] = {
    "wrong-secret": lambda uid: _signed(uid, secret="another-secret" * 4),
    "expired": lambda uid: _signed(uid, exp=datetime.now(UTC) - timedelta(hours=1)),
    "alg-none": lambda uid: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_json_claims(uid))}.",
    "wrong-audience": lambda uid: _signed(uid, aud="someone-else"),
    "wrong-issuer": lambda uid: _signed(uid, iss="someone-else"),
    # The real secret and valid claims: only the pinned algorithm can refuse these.
    "other-algorithm": lambda uid: _signed(uid, alg="HS512"),
    "hs384": lambda uid: _signed(uid, alg="HS384"),
    "garbage": lambda uid: "not.a.token",
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("forgery", FORGERIES)
async def test_untrustworthy_tokens_are_unauthenticated(api: Api, forgery: str) -> None:
    account = await api.signup()
    assert await _me_code(api, FORGERIES[forgery](account.id)) == "UNAUTHENTICATED"


async def test_a_tampered_token_is_unauthenticated(api: Api) -> None:
    victim = await api.signup()
    attacker = await api.signup()
    header, _, signature = attacker.token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(attacker.token.split(".")[1] + "=="))
    payload["sub"] = victim.id
    assert await _me_code(api, f"{header}.{_b64(payload)}.{signature}") == "UNAUTHENTICATED"


async def test_a_malformed_authorization_header_is_unauthenticated(api: Api) -> None:
    for header in ("Basic abc", "Bearer", "Bearer "):
        response = await api.http.post(
            "/graphql", json={"query": ME}, headers={"Authorization": header}
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", header


async def test_viewer_independent_fields_still_answer_with_a_bad_token(api: Api) -> None:
    # A bad token fails every field that depends on who is asking (me, likes, and every
    # profile or video since blocks and visibility), but public data that does not look
    # at the viewer is still served.
    account = await api.signup()
    assert (await api.data(VIEWER_FREE_QUERY, token="garbage"))["gyms"] == []
    error = await api.error(USER, {"id": account.id}, token="garbage")
    assert code_of(error) == "UNAUTHENTICATED"


async def test_a_login_token_survives_a_restart_with_a_generated_dev_secret(
    settings: Settings,
) -> None:
    # No JWT_SECRET: development generates one under DATA_DIR and reuses it.
    dev = settings.model_copy(update={"jwt_secret": None})
    token = None
    for _ in range(2):
        app = create_app(dev)
        async with (
            LifespanManager(app) as manager,
            AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as http,
        ):
            api = Api(http)
            if token is None:
                token = (await api.signup()).token
            else:
                assert (await api.data(ME, token=token))["me"]["id"]
    assert (dev.data_dir / "jwt_secret").stat().st_mode & 0o077 == 0

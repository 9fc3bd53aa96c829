"""Talking to the API as the mobile app does: GraphQL documents over HTTP."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response

BASE_URL = "http://testserver"

_counter = itertools.count()

SIGNUP = """
mutation Signup($email: String!, $password: String!, $pseudo: String!) {
  signup(email: $email, password: $password, pseudo: $pseudo) { token user { id pseudo } }
}
"""


@dataclass
class Account:
    token: str
    id: str
    pseudo: str
    email: str
    password: str


class GraphQLErrorResponse(AssertionError):
    pass


@dataclass
class Api:
    http: AsyncClient
    # The app's services (workflows.services.Services), from its lifespan state: for
    # tests that run the app's background work to its end (`media_settled`).
    services: Any = None

    async def media_settled(self) -> int:
        """Run the media jobs queued so far (tests run no worker task: MEDIA_WORKERS=0),
        as the worker would; how many ran."""
        ran: int = await self.services.media.drain()
        return ran

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The whole GraphQL response body (data and errors)."""
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a response that must have no errors."""
        body = await self.execute(query, variables, token)
        if body.get("errors"):
            raise GraphQLErrorResponse(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The single error of a response that must fail."""
        body = await self.execute(query, variables, token)
        errors = body.get("errors") or []
        assert len(errors) == 1, body
        error: dict[str, Any] = errors[0]
        return error

    async def signup(self, pseudo: str | None = None, password: str = "correct horse 1") -> Account:
        n = next(_counter)
        pseudo = pseudo or f"climber{n}"
        email = f"{pseudo.lower()}@example.com"
        data = await self.data(SIGNUP, {"email": email, "password": password, "pseudo": pseudo})
        payload = data["signup"]
        return Account(payload["token"], payload["user"]["id"], pseudo, email, password)


def code_of(error: dict[str, Any]) -> str:
    code: str = error["extensions"]["code"]
    return code


CREATE_UPLOAD = """
mutation Upload($kind: UploadKind!, $type: String!, $size: Int!) {
  createUpload(kind: $kind, content_type: $type, size: $size) {
    upload_url method headers { name value } key public_url expires_at
  }
}
"""

_DEFAULT_TYPES = {"VIDEO": "video/mp4", "PHOTO": "image/jpeg", "AVATAR": "image/png"}


def _default_body(kind: str) -> bytes:
    # Real media: videos are probed and photos decoded (tests.support.media).
    from tests.support import media

    return {"VIDEO": media.small_clip, "PHOTO": media.small_jpeg, "AVATAR": media.small_png}[kind]()


async def upload_media(
    api: Api,
    account: Account,
    kind: str = "VIDEO",
    body: bytes | None = None,
    content_type: str | None = None,
) -> str:
    """Ask for an upload, PUT the bytes as the phone would (a small real file of the kind
    unless `body` is given), return the public URL."""
    body = _default_body(kind) if body is None else body
    content_type = content_type or _DEFAULT_TYPES[kind]
    data = await api.data(
        CREATE_UPLOAD, {"kind": kind, "type": content_type, "size": len(body)}, account.token
    )
    ticket = data["createUpload"]
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    response = await api.http.put(ticket["upload_url"], content=body, headers=headers)
    assert response.status_code == 200, response.text
    url: str = ticket["public_url"]
    return url


def is_copy_of(stored_url: str, uploaded_url: str) -> bool:
    """Whether `stored_url` is the copy the API made when it vouched for the upload at
    `uploaded_url` (same owner, kind and upload name, under `media/`): what a mutation
    stores instead of the upload's own URL."""
    base, _, key = uploaded_url.partition("/media/")
    folder, _, file = key.rpartition("/")
    name, _, extension = file.partition(".")
    copy = rf"{re.escape(base)}/media/media/{re.escape(folder)}/{re.escape(name)}"
    # A video keeps its extension; a photo is re-encoded (JPEG, or WebP with alpha).
    kept = re.escape(extension) if folder.startswith("videos/") else "(jpg|webp)"
    return re.fullmatch(rf"{copy}\.[A-Za-z0-9_-]{{16}}\.{kept}", stored_url) is not None

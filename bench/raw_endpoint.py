"""The limit: the same answers as the API, hand-written on Starlette + PyMongo, plain JSON.

No GraphQL, no ODM, no validation layer, but everything a correct feed must do: the
bearer token and the viewer's audience checked as the API checks them, with the same
short caches (bench/raw_viewer.py), the audience rule inside the page's query, one
aggregation for the page (the like count and the viewer's like computed by the server,
as the API does) and one `$in` query for the authors. Its responses are the API's
`data` for the same documents and viewer, field for field, anonymous or signed in, with
blocks, follows and hidden, private or suspended authors (tests/bench/test_bench_smoke.py),
so the benchmark compares equal work (issue 28: an honest limit).

It skips what is not the feed's work: no access log, no request ids, no metrics.

`python -m bench.raw_endpoint` serves it on HOST:PORT (uvicorn, like the API), reading
MONGODB_URL, MONGODB_DB and JWT_SECRET from the environment.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.raw_reads import RawReads
from bench.raw_viewer import Refused, Viewer, ViewerCheck, visible_videos

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VIDEO_FIELDS = ("video_url", "caption", "color", "grade", "status")
_USER_PROJECTION = {"pseudo": 1, "avatar_url": 1}
GONE_PSEUDO = "[deleted account]"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _cursor(moment: datetime, video_id: ObjectId) -> str:
    millis = (moment - _EPOCH) // timedelta(milliseconds=1)
    return base64.urlsafe_b64encode(f"v1:{millis}:{video_id}".encode()).decode()


def _after(cursor: str) -> dict[str, Any]:
    _, millis, video_id = base64.urlsafe_b64decode(cursor).decode().split(":")
    moment, oid = _EPOCH + timedelta(milliseconds=int(millis)), ObjectId(video_id)
    return {"$or": [{"created_at": {"$lt": moment}}, {"created_at": moment, "_id": {"$lt": oid}}]}


def _projection(viewer: ObjectId | None) -> dict[str, Any]:
    liked: Any = (
        {"$literal": False} if viewer is None else {"$in": [viewer, {"$ifNull": ["$likes", []]}]}
    )
    return {
        **dict.fromkeys(_VIDEO_FIELDS, 1),
        "user_id": 1,
        "like_count": 1,
        "created_at": 1,
        "liked": liked,
    }


_UNAUTHENTICATED = JSONResponse({"error": "unauthenticated"}, status_code=401)


class RawApi:
    def __init__(self, url: str, db: str, secret: str) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
        self.db = self.client[db]
        self.check = ViewerCheck(self.db, secret)

    async def viewer(self, request: Request) -> Viewer | None:
        """The request's viewer (anonymous without a token); None when refused."""
        try:
            return await self.check.viewer(request.headers.get("authorization", ""))
        except Refused:
            return None

    async def _authors(self, ids: set[ObjectId]) -> dict[ObjectId, dict[str, Any]]:
        users = self.db.users.find({"_id": {"$in": list(ids)}}, _USER_PROJECTION)
        return {
            user["_id"]: {
                "id": str(user["_id"]),
                "pseudo": user["pseudo"],
                "avatar_url": user.get("avatar_url"),
            }
            async for user in users
        }

    async def _videos(self, pipeline: list[dict[str, Any]], viewer: Viewer) -> list[Any]:
        project = {"$project": _projection(viewer.user_id)}
        cursor = await self.db.videos.aggregate([*pipeline, project])
        videos = [raw async for raw in cursor]
        authors = await self._authors({v["user_id"] for v in videos}) if videos else {}
        return [(raw, _node(raw, authors)) for raw in videos]

    async def feed(self, request: Request) -> Response:
        viewer = await self.viewer(request)
        if viewer is None:
            return _UNAUTHENTICATED
        first = int(request.query_params.get("first", 20))
        after = request.query_params.get("after")
        match = _after(after) if after else {}
        match.update(visible_videos(viewer))
        pipeline = [{"$match": match}, {"$sort": {"created_at": -1, "_id": -1}}]
        found = await self._videos([*pipeline, {"$limit": first + 1}], viewer)
        edges = [
            {"cursor": _cursor(raw["created_at"], raw["_id"]), "node": node}
            for raw, node in found[:first]
        ]
        page = {
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(found) > first,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
        return JSONResponse({"data": {"feedPage": page}})

    async def video(self, request: Request) -> Response:
        viewer = await self.viewer(request)
        if viewer is None:
            return _UNAUTHENTICATED
        try:
            video_id = ObjectId(request.path_params["id"])
        except InvalidId:
            return JSONResponse({"error": "bad id"}, status_code=400)
        # Two `$match` stages, as the API's `get_view`: the embedded database looks a
        # document up by `_id` only when `_id` stands alone.
        pipeline = [{"$match": {"_id": video_id}}, {"$match": visible_videos(viewer)}]
        found = await self._videos([*pipeline, {"$limit": 1}], viewer)
        return JSONResponse({"data": {"video": found[0][1] if found else None}})

    async def me(self, request: Request) -> Response:
        viewer = await self.viewer(request)
        if viewer is None or viewer.user_id is None:
            return _UNAUTHENTICATED
        user = await self.db.users.find_one(
            {"_id": viewer.user_id}, {"pseudo": 1, "avatar_url": 1, "bio": 1}
        )
        if user is None:
            return JSONResponse({"error": "unauthenticated"}, status_code=401)
        me = {
            "id": str(user["_id"]),
            "pseudo": user["pseudo"],
            "avatar_url": user.get("avatar_url"),
            "bio": user.get("bio"),
        }
        return JSONResponse({"data": {"me": me}})

    async def healthz(self, request: Request) -> Response:
        await self.client.admin.command("ping")
        return JSONResponse({"status": "ok"})


def _node(raw: dict[str, Any], authors: dict[ObjectId, dict[str, Any]]) -> dict[str, Any]:
    author = authors.get(raw["user_id"]) or {
        "id": str(raw["user_id"]),
        "pseudo": GONE_PSEUDO,
        "avatar_url": None,
    }
    return {
        "id": str(raw["_id"]),
        **{name: raw.get(name) for name in _VIDEO_FIELDS},
        "like_count": raw.get("like_count", 0),
        "is_liked_by_me": raw["liked"],
        "created_at": _iso(raw["created_at"]),
        "user": author,
    }


def create_app(url: str, db: str, secret: str) -> Starlette:
    raw = RawApi(url, db, secret)
    reads = RawReads(raw.db, raw.check)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await raw.client.close()

    return Starlette(
        routes=[
            Route("/healthz", raw.healthz),
            Route("/feed", raw.feed),
            Route("/video/{id}", raw.video),
            Route("/me", raw.me),
            Route("/comments/{id}", reads.comments),
            Route("/notifications", reads.notifications),
            Route("/logbook_changes", reads.logbook_changes),
            Route("/gym_circuits/{id}", reads.gym_circuits),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    app = create_app(os.environ["MONGODB_URL"], os.environ["MONGODB_DB"], os.environ["JWT_SECRET"])
    uvicorn.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ["PORT"]),
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

"""The new read paths' limits (issue 28): a video's comments, the notifications inbox, an
incremental logbook pull and a gym's circuits, hand-written on Starlette + PyMongo.

Each answers what the API answers to the bench's query for that page (bench/scenarios.py),
field for field (tests/bench/test_raw_reads.py), and does what a correct answer must:
the token and the viewer's audience checked as the API checks them, with the same short
caches (bench/raw_viewer.py); blocks both ways, suspensions, hidden comments and
visibility applied inside the queries, as the API applies them. What it leaves out is
the API's machinery: GraphQL, the ODM, typed view objects, loaders, middleware.

Where a minimal endpoint would read less than the API, it does (that is the point of a
limit): the inbox counts and slices each entry's visible actors in the database instead
of bringing them all back, and reads the entries' videos and the comments' videos in one
query; a comment page checks its video with an `_id`-only projection; the pull projects
the fields its rows carry. Its answers still equal the API's.

Pages asked for are first pages (no `after`): what the bench measures.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bench.raw_viewer import Refused, Viewer, ViewerCheck, visible_comments, visible_videos
from models.notification import ACTORS_SHOWN_MAX
from rules.crowd import crowd_grade, grade_order

GONE_PSEUDO = "[deleted account]"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_USERS = {"pseudo": 1, "avatar_url": 1, "withheld": 1}
_THREAD_ORDER = [("thread_at", 1), ("thread_id", 1), ("depth", 1), ("created_at", 1), ("_id", 1)]
_COMMENT_FIELDS = dict.fromkeys(
    ("text", "user_id", "reply_to", "thread_id", "thread_at", "depth", "mentions",
     "created_at", "withheld"), 1,
)  # fmt: skip
ACTORS_SHOWN = 3  # the bench's `actors(first: 3)`
TOMBSTONE_DAYS = 90  # SYNC_TOMBSTONE_DAYS' default
STALE_LEASE_MS = 120_000  # workflows.logbook_sync.STALE_LEASE
CIRCUIT_DAYS = 28
MIN_CLIMBERS = 5  # CROWD_MIN_CLIMBERS' default
_SENDS = ["TOP", "FLASH"]
_SESSION_FIELDS = dict.fromkeys(
    ("client_id", "date", "gym_id", "feeling", "notes", "created_at", "updated_at",
     "change_seq", "croix.id", "croix.client_id", "croix.photo_url", "croix.color",
     "croix.grade", "croix.status", "croix.notes", "croix.created_at", "croix.updated_at",
     "croix.change_seq"), 1,
)  # fmt: skip


def _ms(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _card(user_id: ObjectId, found: dict[ObjectId, dict[str, Any]]) -> dict[str, Any]:
    user = found.get(user_id)
    return {
        "id": str(user_id),
        "pseudo": GONE_PSEUDO if user is None else user["pseudo"],
        "avatar_url": None if user is None else user.get("avatar_url"),
    }


def _page(edges: list[dict[str, Any]], has_next: bool) -> dict[str, Any]:
    page_info = {"hasNextPage": has_next, "endCursor": edges[-1]["cursor"] if edges else None}
    return {"edges": edges, "pageInfo": page_info}


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)


class RawReads:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], check: ViewerCheck) -> None:
        self.db = db
        self.check = check

    async def _viewer(self, request: Request) -> Viewer | None:
        try:
            return await self.check.viewer(request.headers.get("authorization", ""))
        except Refused:
            return None

    async def _users(self, ids: list[ObjectId]) -> dict[ObjectId, dict[str, Any]]:
        if not ids:
            return {}
        return {u["_id"]: u async for u in self.db.users.find({"_id": {"$in": ids}}, _USERS)}

    async def _actors(
        self, viewer: Viewer, entries: list[dict[str, Any]], stages: list[dict[str, Any]]
    ) -> tuple[dict[ObjectId, dict[str, Any]], dict[ObjectId, list[ObjectId]]]:
        """Each entry's first ACTORS_SHOWN actors, the most recent first, but suspended ones
        (a moderator sees them): their cards in one query; past a suspended actor (rare),
        the short entries' actors again, deeper (`stages`: the hidden actors' filter)."""
        recent = {e["_id"]: list(reversed(e["recent"])) for e in entries}
        counts = {e["_id"]: e["count"] for e in entries}
        users: dict[ObjectId, dict[str, Any]] = {}
        depth = ACTORS_SHOWN
        while True:
            wanted = {a: None for ids in recent.values() for a in ids if a not in users}
            users.update(await self._users(list(wanted)))
            shown = {
                entry: [a for a in ids if viewer.moderator or not users.get(a, {}).get("withheld")]
                for entry, ids in recent.items()
            }
            short = [e for e, ids in shown.items() if len(ids) < ACTORS_SHOWN < counts[e]]
            if not short or depth >= ACTORS_SHOWN_MAX:
                return users, {e: ids[:ACTORS_SHOWN] for e, ids in shown.items()}
            depth = min(depth * 4, ACTORS_SHOWN_MAX)
            pipeline = [
                {"$match": {"_id": {"$in": short}}}, *stages,
                {"$project": {"recent": {"$slice": [{"$ifNull": ["$_shown", "$actors"]}, -depth]}}},
            ]  # fmt: skip
            async for deeper in await self.db.notifications.aggregate(pipeline):
                recent[deeper["_id"]] = list(reversed(deeper["recent"]))

    # --- video(id) { comments(first: 20) } ----------------------------------------------

    async def comments(self, request: Request) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return _error("unauthenticated", 401)
        try:
            video_id = ObjectId(request.path_params["id"])
        except InvalidId:
            return _error("bad id", 400)
        first = int(request.query_params.get("first", 20))
        # Two `$match` stages, as the raw feed's video: the embedded database looks a
        # document up by `_id` only when `_id` stands alone.
        pipeline = [
            {"$match": {"_id": video_id}},
            {"$match": visible_videos(viewer)},
            {"$project": {"_id": 1}},
        ]
        if not await (await self.db.videos.aggregate(pipeline)).to_list():
            return JSONResponse({"data": {"video": None}})
        match = {"video_id": video_id, **visible_comments(viewer)}
        cursor = self.db.comments.find(match, _COMMENT_FIELDS).sort(_THREAD_ORDER)
        found = await cursor.limit(first + 1).to_list()
        shown = found[:first]
        people = {c["user_id"]: None for c in shown} | {
            m: None for c in shown for m in c.get("mentions") or ()
        }
        users = await self._users(list(people))
        edges = [{"cursor": _comment_cursor(c), "node": _comment(c, users)} for c in shown]
        video = {"id": str(video_id), "comments": _page(edges, len(found) > first)}
        return JSONResponse({"data": {"video": video}})

    # --- notifications(first: 20) ------------------------------------------------------

    async def notifications(self, request: Request) -> Response:
        viewer = await self._viewer(request)
        if viewer is None or viewer.user_id is None:
            return _error("unauthenticated", 401)
        first = int(request.query_params.get("first", 20))
        actors: Any = "$actors"
        stages: list[dict[str, Any]] = []
        if viewer.hidden:
            hidden = list(viewer.hidden)
            actors = {
                "$filter": {"input": "$actors", "cond": {"$not": [{"$in": ["$$this", hidden]}]}}
            }
            stages = [
                {"$addFields": {"_shown": actors}},
                {
                    "$match": {
                        "$or": [{"actors.0": {"$exists": False}}, {"_shown.0": {"$exists": True}}]
                    }
                },
            ]
            actors = "$_shown"
        pipeline: list[dict[str, Any]] = [
            {"$match": {"user_id": viewer.user_id}},
            {"$sort": {"updated_at": -1, "_id": -1}},
            *stages,
            {"$limit": first + 1},
            # Counted and sliced here: a LIKE group of thousands sends back three ids.
            {"$project": {"kind": 1, "video_id": 1, "comment_id": 1, "action": 1,
                          "created_at": 1, "updated_at": 1, "read": 1,
                          "count": {"$size": {"$ifNull": [actors, []]}},
                          "recent": {"$slice": [{"$ifNull": [actors, []]}, -ACTORS_SHOWN]}}},
        ]  # fmt: skip
        found = await (await self.db.notifications.aggregate(pipeline)).to_list()
        entries = found[:first]
        comment_ids = [e["comment_id"] for e in entries if e.get("comment_id") is not None]
        comments: dict[ObjectId, dict[str, Any]] = {}
        if comment_ids:
            match = {"_id": {"$in": comment_ids}, **visible_comments(viewer)}
            fields = {"text": 1, "video_id": 1}
            comments = {c["_id"]: c async for c in self.db.comments.find(match, fields)}
        video_ids = {e["video_id"]: None for e in entries if e.get("video_id") is not None}
        video_ids.update({c["video_id"]: None for c in comments.values()})
        videos: dict[ObjectId, dict[str, Any]] = {}
        if video_ids:
            pipeline = [  # two `$match` stages: see `comments`
                {"$match": {"_id": {"$in": list(video_ids)}}},
                {"$match": visible_videos(viewer)},
                {"$project": {"video_url": 1}},
            ]
            videos = {v["_id"]: v async for v in await self.db.videos.aggregate(pipeline)}
        users, shown = await self._actors(viewer, entries, stages)
        edges = [
            {"cursor": _b64(f"v1:{_ms(e['updated_at'])}:{e['_id']}"),
             "node": _entry(e, videos, comments, users, shown[e["_id"]])}
            for e in entries
        ]  # fmt: skip
        return JSONResponse({"data": {"notifications": _page(edges, len(found) > first)}})

    # --- logbookChanges(last_pulled_at: T) ---------------------------------------------

    async def logbook_changes(self, request: Request) -> Response:
        viewer = await self._viewer(request)
        if viewer is None or viewer.user_id is None:
            return _error("unauthenticated", 401)
        user_id = viewer.user_id
        since_text = request.query_params.get("since")
        since = None if since_text is None else float(since_text)
        now = dt.datetime.now(dt.UTC)
        # A push whose applier died is finished by the API's next pull; this limit only
        # looks (the same query, one round trip) and answers 409 then: the bench's data
        # never has one.
        if await self.db.logbook_pushes.find_one(
            {"user_id": user_id, "state": "pending"}, {"_id": 1}
        ):
            return _error("a push is pending", 409)
        settled = await self._settle(user_id, now)
        horizon = _ms(now - dt.timedelta(days=TOMBSTONE_DAYS))
        reset = since is not None and since < horizon
        after = None if since is None or reset else int(since // 1)
        low = -1 if after is None else after
        query: dict[str, Any] = {"user_id": user_id}
        if after is not None:
            query["last_change_seq"] = {"$gt": after}
        tables: dict[str, dict[str, list[Any]]] = {
            name: {"created": [], "updated": [], "deleted": []}
            for name in ("sessions", "croix", "gyms")
        }
        gym_ids: set[ObjectId] = set()
        async for session in self.db.sessions.find(query, _SESSION_FIELDS):
            session_id = _sync_id(session.get("client_id"), session["_id"])
            if low < (session.get("change_seq") or 0) <= settled:
                kind = _kind(session["created_at"], after)
                tables["sessions"][kind].append(_session_row(session_id, session))
                if session.get("gym_id") is not None:
                    gym_ids.add(session["gym_id"])
            for croix in session.get("croix", ()):
                if low < (croix.get("change_seq") or 0) <= settled:
                    kind = _kind(croix["created_at"], after)
                    tables["croix"][kind].append(_croix_row(session_id, croix))
        if after is not None:
            graves = {"user_id": user_id, "change_seq": {"$gt": after, "$lte": settled}}
            async for grave in self.db.logbook_tombstones.find(
                graves, {"table": 1, "record_id": 1, "_id": 0}
            ):
                tables[grave["table"]]["deleted"].append(grave["record_id"])
            for table in tables.values():
                if gone := set(table["deleted"]):
                    for kind in ("created", "updated"):
                        table[kind] = [row for row in table[kind] if row["id"] not in gone]
        if gym_ids:
            gyms = self.db.gyms.find({"_id": {"$in": sorted(gym_ids)}}, {"name": 1, "location": 1})
            tables["gyms"]["created" if after is None else "updated"] = [
                {"id": str(g["_id"]), "name": g["name"], "location": g.get("location")}
                async for g in gyms
            ]
        pulled = {"changes": tables, "timestamp": float(settled), "reset": reset}
        return JSONResponse({"data": {"logbookChanges": pulled}})

    async def _settle(self, user_id: ObjectId, now: dt.datetime) -> int:
        """The clock's settled seq, moved to now when no write is open; a lease left open
        by a dead writer closed (models.logbook_clock `settle`, written out)."""
        now_ms = _ms(now)
        idle = {"$lte": [{"$ifNull": ["$open", 0]}, 0]}
        moved = {"$max": [{"$ifNull": ["$seq", 0]}, now_ms]}
        update = [{"$set": {
            "seq": {"$cond": [idle, moved, "$seq"]},
            "settled": {"$cond": [idle, moved, {"$ifNull": ["$settled", 0]}]},
            "open": {"$ifNull": ["$open", 0]},
        }}]  # fmt: skip
        clocks = self.db.logbook_clocks
        raw = await clocks.find_one_and_update(
            {"_id": user_id}, update, upsert=True, return_document=ReturnDocument.AFTER
        )
        if raw is None:  # the embedded database may answer null to an upsert that inserted
            raw = await clocks.find_one({"_id": user_id})
        assert raw is not None
        last_begin = raw.get("last_begin")
        if raw["open"] > 0 and last_begin is not None and _ms(last_begin) < now_ms - STALE_LEASE_MS:
            guard = {"_id": user_id, "last_begin": last_begin, "seq": raw["seq"]}
            done = await clocks.update_one(guard, {"$set": {"open": 0, "settled": raw["seq"]}})
            if done.modified_count == 1:
                return int(raw["seq"])
        return int(raw["settled"])

    # --- gymCircuits(gym_id) -----------------------------------------------------------

    async def gym_circuits(self, request: Request) -> Response:
        if await self._viewer(request) is None:
            return _error("unauthenticated", 401)
        try:
            gym_id = ObjectId(request.path_params["id"])
        except InvalidId:
            return _error("bad id", 400)
        if await self.db.gyms.find_one({"_id": gym_id}, {"_id": 1}) is None:
            return _error("no gym with this id", 404)
        today = dt.datetime.now(dt.UTC).date()
        first = today - dt.timedelta(days=CIRCUIT_DAYS - 1)
        before = today + dt.timedelta(days=2)  # tomorrow included
        return JSONResponse({"data": {"gymCircuits": await self._circuits(gym_id, first, before)}})

    async def _circuits(
        self, gym_id: ObjectId, first: dt.date, before: dt.date
    ) -> list[dict[str, Any]]:
        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)

        flash = {"$cond": [{"$eq": ["$croix.status", "FLASH"]}, 1, 0]}
        pipeline: list[dict[str, Any]] = [
            {"$match": {"gym_id": gym_id,
                        "date": {"$gte": midnight(first), "$lt": midnight(before)}}},
            {"$project": {"user_id": 1, "croix.color": 1, "croix.grade": 1, "croix.status": 1}},
            {"$unwind": "$croix"},
            {"$group": {"_id": {"color": "$croix.color", "grade": "$croix.grade",
                                "user": "$user_id"},
                        "croix": {"$sum": 1},
                        "sends": {"$sum": {"$cond": [{"$in": ["$croix.status", _SENDS]}, 1, 0]}},
                        "flashes": {"$sum": flash}}},
            {"$facet": {
                "climbers": [{"$group": {"_id": {"color": "$_id.color", "user": "$_id.user"}}},
                             {"$group": {"_id": "$_id.color", "n": {"$sum": 1}}}],
                "grades": [{"$group": {"_id": {"color": "$_id.color", "grade": "$_id.grade"},
                                       "croix": {"$sum": "$croix"}, "sends": {"$sum": "$sends"},
                                       "flashes": {"$sum": "$flashes"}}}],
            }},
        ]  # fmt: skip
        facets = (await (await self.db.sessions.aggregate(pipeline)).to_list())[0]
        grades: dict[str, list[dict[str, Any]]] = {}
        for row in facets["grades"]:
            grades.setdefault(row["_id"]["color"], []).append(row)
        circuits = []
        for row in sorted(facets["climbers"], key=lambda item: str(item["_id"])):
            color, climbers = row["_id"], int(row["n"])
            if climbers < MIN_CLIMBERS:
                circuits.append({"color": color, "enough_data": False, "climber_count": None,
                                 "croix_count": None, "grades": None, "crowd_grade": None,
                                 "flash_rate": None})  # fmt: skip
                continue
            tallies = sorted(grades[color], key=lambda item: grade_order(item["_id"]["grade"]))
            counts = [(t["_id"]["grade"], int(t["croix"])) for t in tallies]
            sends, flashes = sum(t["sends"] for t in tallies), sum(t["flashes"] for t in tallies)
            circuits.append({
                "color": color, "enough_data": True, "climber_count": climbers,
                "croix_count": sum(n for _, n in counts),
                "grades": [{"grade": g, "count": n} for g, n in counts],
                "crowd_grade": crowd_grade(counts),
                "flash_rate": flashes / sends if sends else None,
            })  # fmt: skip
        return circuits


def _comment_cursor(comment: dict[str, Any]) -> str:
    return _b64(
        f"c1:{_ms(comment['thread_at'])}:{comment['thread_id']}:{comment.get('depth', 0)}:"
        f"{_ms(comment['created_at'])}:{comment['_id']}"
    )


def _comment(comment: dict[str, Any], users: dict[ObjectId, dict[str, Any]]) -> dict[str, Any]:
    reply_to = comment.get("reply_to")
    return {
        "id": str(comment["_id"]),
        "text": comment["text"],
        "created_at": _iso(comment["created_at"]),
        "reply_to": None if reply_to is None else str(reply_to),
        "hidden": bool(comment.get("withheld")),
        "user": _card(comment["user_id"], users),
        "mentions": [
            {"id": str(m), "pseudo": users[m]["pseudo"]}
            for m in comment.get("mentions") or ()
            if m in users
        ],
    }


def _entry(
    entry: dict[str, Any],
    videos: dict[ObjectId, dict[str, Any]],
    comments: dict[ObjectId, dict[str, Any]],
    users: dict[ObjectId, dict[str, Any]],
    actors: list[ObjectId],
) -> dict[str, Any]:
    video = videos.get(entry["video_id"]) if entry.get("video_id") else None
    comment = comments.get(entry["comment_id"]) if entry.get("comment_id") else None
    if comment is not None and comment["video_id"] not in videos:
        comment = None  # a comment shows with its video only
    return {
        "id": str(entry["_id"]),
        "kind": entry["kind"],
        "created_at": _iso(entry["created_at"]),
        "updated_at": _iso(entry["updated_at"]),
        "read": bool(entry.get("read")),
        "actor_count": entry["count"],
        "action": entry.get("action"),
        "actors": [_card(actor, users) for actor in actors],
        "video": None
        if video is None
        else {"id": str(video["_id"]), "video_url": video.get("video_url")},
        "comment": None
        if comment is None
        else {"id": str(comment["_id"]), "text": comment["text"]},
    }


def _sync_id(client_id: str | None, object_id: ObjectId) -> str:
    """The id devices know a record by: the phone's, else the ObjectId."""
    return client_id if client_id is not None else str(object_id)


def _kind(created_at: dt.datetime, after: int | None) -> str:
    return "created" if after is None or _ms(created_at) > after else "updated"


def _session_row(session_id: str, session: dict[str, Any]) -> dict[str, Any]:
    gym_id = session.get("gym_id")
    return {
        "id": session_id,
        "date": session["date"].date().isoformat(),
        "gym_id": None if gym_id is None else str(gym_id),
        "feeling": session.get("feeling"),
        "notes": session.get("notes"),
        "created_at": _ms(session["created_at"]),
        "updated_at": _ms(session.get("updated_at") or session["created_at"]),
    }


def _croix_row(session_id: str, croix: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _sync_id(croix.get("client_id"), croix["id"]),
        "session_id": session_id,
        "photo_url": croix["photo_url"],
        "color": croix["color"],
        "grade": croix["grade"],
        "status": croix["status"],
        "notes": croix.get("notes"),
        "created_at": _ms(croix["created_at"]),
        "updated_at": _ms(croix.get("updated_at") or croix["created_at"]),
    }

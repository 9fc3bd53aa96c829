"""Reports and their cases: the `reports` and `report_cases` collections.

- `reports`: one document per reporter and target (a unique index), so a repeated
  report adds nothing, even sent twice at once.
- `report_cases`: one document per reported target (a unique index), what moderators
  work from: the open reports counted per reason, the latest details, the first and
  last report times, its state. A report on a closed case opens it again, counting
  from zero: what a moderator already judged does not count twice.

Counts move with `$inc` on the case, never read-modify-save, so concurrent reports
each count once and the one that reaches a threshold sees it reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms

VIDEO = "VIDEO"
USER = "USER"
COMMENT = "COMMENT"
OPEN = "OPEN"
CLOSED = "CLOSED"
DETAILS_KEPT = 20  # the latest written details a case shows (older ones stay in `reports`)

# (first_report_at, _id) of the last case seen: the queue runs oldest first.
CaseKey = tuple[dt.datetime, PydanticObjectId]


UPHELD = "UPHELD"
DISMISSED = "DISMISSED"


class ReportDocument(Document):
    reporter_id: PydanticObjectId
    target_type: str  # VIDEO, COMMENT or USER
    target_id: PydanticObjectId
    reason: str
    details: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow_ms)
    # What the report weighed when it was made (workflows.report_weight), the network it
    # came from (a hash, per target: reports from one network count once, and the hash
    # links no two targets), and when its reporter's account was made (accounts made
    # together count once). Absent in reports made before weights: nothing (their
    # reporters' standing was never looked at, so they cannot help hide anything now).
    weight: float = 0.0
    origin: str | None = None
    reporter_created_at: dt.datetime | None = None
    # What a moderator made of it (UPHELD or DISMISSED): the reporter's track record.
    verdict: str | None = None

    class Settings:
        name = "reports"
        indexes = [
            IndexModel(
                [("reporter_id", ASCENDING), ("target_type", ASCENDING), ("target_id", ASCENDING)],
                unique=True,
                name="one_report_per_reporter",
            ),
            # The reports on one target (a case erased with its target).
            IndexModel([("target_id", ASCENDING)], name="reports_by_target"),
            # A reporter's track record: their reports moderators upheld or dismissed.
            IndexModel([("reporter_id", ASCENDING), ("verdict", ASCENDING)],
                       name="reports_by_reporter_verdict"),
            # The reports of a case's current round (since it was last opened).
            IndexModel([("target_id", ASCENDING), ("created_at", ASCENDING)],
                       name="reports_by_target_time"),
        ]  # fmt: skip


class ReportCaseDocument(Document):
    target_type: str
    target_id: PydanticObjectId
    # The user the target belongs to (the video's or comment's author, or the reported user).
    target_user_id: PydanticObjectId
    state: str = OPEN
    report_count: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)  # {"SPAM": 2, "HATE": 1}
    details: list[dict[str, Any]] = Field(default_factory=list)  # {reason, details, reported_at}
    first_report_at: dt.datetime
    last_report_at: dt.datetime
    # The last moderation action taken on it, by whom and when (the log has them all).
    resolution: str | None = None
    resolved_by: PydanticObjectId | None = None
    resolved_at: dt.datetime | None = None
    # Its video was hidden by the weight of its reports, pending review: the queue shows
    # such cases first (a climber's video is down until a moderator looks).
    hidden_pending: bool = False

    class Settings:
        name = "report_cases"
        indexes = [
            IndexModel(
                [("target_type", ASCENDING), ("target_id", ASCENDING)],
                unique=True,
                name="one_case_per_target",
            ),
            # The cases about one climber or their videos (an account's erasure).
            IndexModel([("target_user_id", ASCENDING)], name="cases_by_target_user"),
            # The queue (open cases, oldest first) and the stats (count, oldest).
            IndexModel(
                [("state", ASCENDING), ("first_report_at", ASCENDING), ("_id", ASCENDING)],
                name="queue_oldest_first",
            ),
            # The queue's first part: open cases whose video reports hid, oldest first.
            IndexModel(
                [("state", ASCENDING), ("hidden_pending", ASCENDING),
                 ("first_report_at", ASCENDING), ("_id", ASCENDING)],
                name="queue_hidden_first",
            ),
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class WeighedReport:
    """A report as the hiding threshold counts it."""

    reporter_id: PydanticObjectId
    weight: float
    origin: str | None
    reporter_created_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Reported:
    """A report as the case counted it: its case and how many open reports it has now."""

    case_id: PydanticObjectId
    report_count: int


def _cases() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = ReportCaseDocument.get_pymongo_collection()
    return collection


class ReportRepository:
    async def add(
        self,
        *,
        reporter_id: PydanticObjectId,
        target_type: str,
        target_id: PydanticObjectId,
        reason: str,
        details: str | None,
        weight: float = 0.0,
        origin: str | None = None,
        reporter_created_at: dt.datetime | None = None,
    ) -> ReportDocument | None:
        """Store the report; None (nothing stored) if this reporter already reported it."""
        report = ReportDocument(
            reporter_id=reporter_id,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            details=details,
            weight=weight,
            origin=origin,
            reporter_created_at=reporter_created_at,
        )
        try:
            await report.insert()
        except DuplicateKeyError:
            return None
        return report

    async def exists(
        self, reporter_id: PydanticObjectId, target_type: str, target_id: PydanticObjectId
    ) -> bool:
        found = await ReportDocument.get_pymongo_collection().find_one(
            {"reporter_id": reporter_id, "target_type": target_type, "target_id": target_id},
            projection={"_id": 1},
        )
        return found is not None

    async def reporters(
        self, target_type: str, target_id: PydanticObjectId
    ) -> list[PydanticObjectId]:
        """Who reported the target (to tell them it was acted on)."""
        cursor = ReportDocument.get_pymongo_collection().find(
            {"target_id": target_id, "target_type": target_type}, {"reporter_id": 1}
        )
        return [PydanticObjectId(raw["reporter_id"]) async for raw in cursor]

    async def count_on_case(
        self, report: ReportDocument, target_user_id: PydanticObjectId
    ) -> Reported:
        """Count the report on its target's case, opening (or reopening) it if needed."""
        at = report.created_at
        note = [{"reason": report.reason, "details": report.details, "reported_at": at}]
        target = {"target_type": report.target_type, "target_id": report.target_id}
        while True:  # at most three turns: each miss means another writer just made a case
            counted = await _cases().find_one_and_update(
                {**target, "state": OPEN},
                {
                    "$inc": {"report_count": 1, f"reasons.{report.reason}": 1},
                    "$max": {"last_report_at": at},
                    "$min": {"first_report_at": at},
                    **({"$push": {"details": {"$each": note, "$slice": -DETAILS_KEPT}}}
                       if report.details else {}),
                },
                projection={"report_count": 1},
                return_document=ReturnDocument.AFTER,
            )  # fmt: skip
            if counted is None:
                fresh = {
                    "state": OPEN, "report_count": 1, "reasons": {report.reason: 1},
                    "details": note if report.details else [], "first_report_at": at,
                    "last_report_at": at, "target_user_id": target_user_id,
                    "hidden_pending": False,
                }  # fmt: skip
                counted = await _cases().find_one_and_update(
                    {**target, "state": {"$ne": OPEN}},
                    {"$set": fresh},
                    projection={"report_count": 1},
                    return_document=ReturnDocument.AFTER,
                )
                if counted is None:
                    try:
                        inserted = await _cases().insert_one({**target, **fresh})
                    except DuplicateKeyError:
                        continue  # a concurrent report made the case: count on it
                    return Reported(PydanticObjectId(inserted.inserted_id), 1)
            return Reported(PydanticObjectId(counted["_id"]), int(counted["report_count"]))

    async def round_of(
        self, target_type: str, target_id: PydanticObjectId, since: dt.datetime, limit: int
    ) -> list[WeighedReport]:
        """The first `limit` reports on the target made since `since` (its case's round)."""
        cursor = (
            ReportDocument.get_pymongo_collection()
            .find(
                {"target_id": target_id, "created_at": {"$gte": since},
                 "target_type": target_type},
                {"reporter_id": 1, "weight": 1, "origin": 1, "reporter_created_at": 1},
            )
            .sort([("created_at", ASCENDING)])
            .limit(limit)
        )  # fmt: skip
        return [
            WeighedReport(
                reporter_id=PydanticObjectId(raw["reporter_id"]),
                weight=float(raw.get("weight", 0.0)),
                origin=raw.get("origin"),
                reporter_created_at=raw.get("reporter_created_at"),
            )
            async for raw in cursor
        ]

    async def track_record(self, reporter_id: PydanticObjectId) -> tuple[int, int]:
        """(reports of theirs moderators upheld, reports they dismissed)."""
        reports = ReportDocument.get_pymongo_collection()
        upheld = await reports.count_documents({"reporter_id": reporter_id, "verdict": UPHELD})
        dismissed = await reports.count_documents(
            {"reporter_id": reporter_id, "verdict": DISMISSED}
        )
        return upheld, dismissed

    async def judge(self, target_type: str, target_id: PydanticObjectId, verdict: str) -> int:
        """Give the target's reports not judged yet a moderator's verdict."""
        result = await ReportDocument.get_pymongo_collection().update_many(
            {"target_id": target_id, "target_type": target_type, "verdict": None},
            {"$set": {"verdict": verdict}},
        )
        return result.modified_count

    async def case(self, case_id: PydanticObjectId) -> ReportCaseDocument | None:
        raw = await _cases().find_one({"_id": case_id})
        return None if raw is None else ReportCaseDocument.model_validate(raw)

    async def close(
        self, case_id: PydanticObjectId, action: str, moderator_id: PydanticObjectId
    ) -> ReportCaseDocument | None:
        """Close the case with `action` as its resolution; the case as it is now."""
        raw = await _cases().find_one_and_update(
            {"_id": case_id},
            {"$set": {"state": CLOSED, "resolution": action, "resolved_by": moderator_id,
                      "resolved_at": utcnow_ms()}},
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        return None if raw is None else ReportCaseDocument.model_validate(raw)

    async def mark_hidden_pending(self, case_id: PydanticObjectId) -> None:
        """The case's video is hidden by its reports: to the front of the queue."""
        await _cases().update_one(
            {"_id": case_id, "state": OPEN}, {"$set": {"hidden_pending": True}}
        )

    async def open_page(
        self, *, first: int, after: CaseKey | None
    ) -> tuple[list[ReportCaseDocument], bool]:
        """Open cases: first those whose video their reports hid, then the others, each
        part oldest first report first (`queue_hidden_first`, `queue_oldest_first`).

        The cursor stays (first report time, id): the part it is in is read from the
        case it names, so the app's cursors keep their shape."""
        hidden_part, after_hidden, after_other = True, after, None
        if after is not None:
            named = await _cases().find_one({"_id": after[1]}, {"hidden_pending": 1})
            if named is None or not named.get("hidden_pending"):
                hidden_part, after_hidden, after_other = False, None, after
        found: list[ReportCaseDocument] = []
        if hidden_part:
            found = await self._queue_part(True, after_hidden, first + 1)
        if len(found) <= first:
            found += await self._queue_part(False, after_other, first + 1 - len(found))
        return found[:first], len(found) > first

    async def _queue_part(
        self, hidden: bool, after: CaseKey | None, limit: int
    ) -> list[ReportCaseDocument]:
        match: dict[str, Any] = {"state": OPEN, "hidden_pending": True if hidden else {"$ne": True}}
        if after is not None:
            at, case_id = after
            match["$or"] = [
                {"first_report_at": {"$gt": at}},
                {"first_report_at": at, "_id": {"$gt": case_id}},
            ]
        cursor = (
            _cases()
            .find(match)
            .sort([("first_report_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [ReportCaseDocument.model_validate(raw) async for raw in cursor]

    async def open_stats(self) -> tuple[int, dt.datetime | None]:
        """How many cases are open, and the first report time of the oldest one."""
        count = await _cases().count_documents({"state": OPEN})
        oldest = await _cases().find_one(
            {"state": OPEN},
            projection={"first_report_at": 1},
            sort=[("first_report_at", ASCENDING), ("_id", ASCENDING)],
        )
        return count, None if oldest is None else oldest["first_report_at"]

    async def delete_filed_by_batch(self, reporter_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` reports `reporter_id` filed (their account's erasure), and
        the text they wrote from the cases' latest details; the cases keep their counts:
        what was reported stays on the record, not who wrote what."""
        reports = ReportDocument.get_pymongo_collection()
        fields = {"target_type": 1, "target_id": 1, "details": 1, "created_at": 1}
        cursor = reports.find({"reporter_id": reporter_id}, fields).limit(limit)
        found = [raw async for raw in cursor]
        for raw in found:
            if raw.get("details"):
                # A case's note is {reason, details, reported_at}: the report's own.
                await _cases().update_one(
                    {"target_type": raw["target_type"], "target_id": raw["target_id"]},
                    {"$pull": {"details": {"details": raw["details"],
                                           "reported_at": raw["created_at"]}}},
                )  # fmt: skip
        if found:
            await reports.delete_many({"_id": {"$in": [raw["_id"] for raw in found]}})
        return len(found)

    async def delete_cases_about_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` cases about `user_id` or their videos, with the reports on
        those targets (the account and its content are erased: nothing is left to act on)."""
        cases = ReportCaseDocument.get_pymongo_collection()
        cursor = cases.find({"target_user_id": user_id}, {"target_id": 1}).limit(limit)
        found = [raw async for raw in cursor]
        if not found:
            return 0
        targets = [raw["target_id"] for raw in found]
        await ReportDocument.get_pymongo_collection().delete_many({"target_id": {"$in": targets}})
        await cases.delete_many({"_id": {"$in": [raw["_id"] for raw in found]}})
        return len(found)

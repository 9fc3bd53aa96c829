"""Keyset paging over newest-first listings: one filter for "strictly after this item".

Every cursor-paged collection here is ordered by (created_at desc, _id desc), a total
order, so a page that starts strictly after the last item seen can neither skip nor
repeat items inserted while a client pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId

# A position in a newest-first order: (created_at, _id) of the last item seen.
PageKey = tuple[datetime, PydanticObjectId]

NEWEST_FIRST = {"created_at": -1, "_id": -1}


def strictly_after(key: PageKey) -> dict[str, Any]:
    """Strictly after `key` in newest-first order: older, or as old with a smaller id."""
    created_at, item_id = key
    return {
        "$or": [
            {"created_at": {"$lt": created_at}},
            {"created_at": created_at, "_id": {"$lt": item_id}},
        ]
    }


# A position in a logbook's order, (date, created_at, _id) of the last session seen: the
# most recent day first, the latest created first within a day.
DayKey = tuple[datetime, datetime, PydanticObjectId]

DAY_ORDER = {"date": -1, "created_at": -1, "_id": -1}


def strictly_after_day(key: DayKey) -> dict[str, Any]:
    """Strictly after `key` in DAY_ORDER: an earlier day, or the same day created earlier,
    or as early with a smaller id."""
    day, created_at, item_id = key
    return {
        "$or": [
            {"date": {"$lt": day}},
            {"date": day, "created_at": {"$lt": created_at}},
            {"date": day, "created_at": created_at, "_id": {"$lt": item_id}},
        ]
    }

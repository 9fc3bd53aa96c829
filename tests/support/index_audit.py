"""Every query the repositories send runs on an index, or is a scan accepted with a reason.

While the suite runs, a PyMongo command listener records the shape of every read and
write a repository (a module of `models/`) sends: the collection, which fields the filter
pins by equality or bounds by a range, and the sort. At the end each shape is checked
against the collection's indexes as `listIndexes` reports them on a database the app
initialised: one index must serve an equality prefix, then the sort (in its order or
reversed), or a range right after that prefix. A shape no index serves fails the suite
unless it is listed in ACCEPTED_SCANS with its reason and bound.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import monitoring
from pymongo.asynchronous.database import AsyncDatabase

MODELS = str(Path(__file__).resolve().parents[2] / "models") + "/"
_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})
_EQUALITY = frozenset({"$eq", "$in"})


@dataclass(frozen=True, order=True)
class Shape:
    collection: str
    equality: tuple[str, ...]
    ranges: tuple[str, ...]
    sort: tuple[tuple[str, int], ...]
    # Conditions no index serves here ($ne, $exists, $elemMatch, $expr...): evaluated on
    # the documents the index leads to, fine as long as something narrows them first.
    residual: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [f"eq {','.join(self.equality)}" if self.equality else ""]
        parts.append(f"range {','.join(self.ranges)}" if self.ranges else "")
        parts.append(f"sort {self.sort}" if self.sort else "")
        parts.append(f"residual {','.join(self.residual)}" if self.residual else "")
        return f"{self.collection}: " + (" ".join(p for p in parts if p) or "everything")


# Scans the product accepts, each with its reason and its bound.
ACCEPTED_SCANS: dict[str, str] = {
    # gyms(query): a substring of the folded name, which no index serves. Gyms are
    # places, a few hundred for the whole app, and a page holds at most 50.
    "gyms: residual name_normalized": "bounded by the number of gyms (hundreds)",
    # exportMyData's "videos I liked": no index on `likes` (it would hold every like ever
    # given); one pass over the videos per export, at most one export per climber per
    # EXPORT_INTERVAL_SECONDS, never on a listing.
    "videos: eq likes": "data export only, rate-limited per climber",
    # The persisted-query registry's bound: estimated_document_count, a `count` without a
    # filter, which MongoDB answers from the collection's metadata without reading it.
    "persisted_queries: everything": "metadata count, no documents read",
}


def _is_range(operators: set[str], condition: Mapping[str, Any]) -> bool:
    """Bounds, or an anchored regex (a prefix is a range of the index's keys)."""
    if "$regex" in operators:
        return str(condition["$regex"]).startswith("^")
    return bool(operators & _RANGE) and operators <= _RANGE


def _conditions(filter_: Mapping[str, Any]) -> list[tuple[set[str], set[str], set[str]]]:
    """(equality, range, residual) field sets, one per disjunct of the filter."""
    equality: set[str] = set()
    ranges: set[str] = set()
    residual: set[str] = set()
    branches: list[tuple[set[str], set[str], set[str]]] = []
    for field, condition in filter_.items():
        if field == "$and":
            for part in condition:
                for e, r, x in _conditions(part):
                    equality |= e
                    ranges |= r
                    residual |= x
        elif field == "$or":
            branches = [b for part in condition for b in _conditions(part)]
        elif field.startswith("$"):
            residual.add(field)
        elif isinstance(condition, Mapping) and any(k.startswith("$") for k in condition):
            operators = set(condition)
            if operators & _EQUALITY and operators <= _EQUALITY | {"$options"}:
                equality.add(field)
            elif ("$regex" in operators and str(condition["$regex"]).startswith("^")) or (
                operators & _RANGE and operators <= _RANGE
            ):
                ranges.add(field)
            else:
                residual.add(field)
        else:
            equality.add(field)
    if not branches:
        return [(equality, ranges, residual)]
    return [(equality | e, ranges | r, residual | x) for e, r, x in branches]


def shapes_of(collection: str, filter_: Mapping[str, Any], sort: Mapping[str, int]) -> set[Shape]:
    order = tuple((field, int(direction)) for field, direction in sort.items())
    return {
        Shape(collection, tuple(sorted(e)), tuple(sorted(r - e)), order, tuple(sorted(x - e - r)))
        for e, r, x in _conditions(filter_)
    }


def served(shape: Shape, index: list[tuple[str, int]]) -> bool:
    """Whether `index` (its keys in order) serves an equality prefix, the sort, or a range."""
    keys = list(index)
    position = 0
    while position < len(keys) and keys[position][0] in shape.equality:
        position += 1
    narrowed = position > 0
    rest = [key for key in keys[position:] if key[0] not in shape.equality]
    if shape.sort:
        # Sort keys pinned by equality are in order whatever the index.
        wanted = [key for key in shape.sort if key[0] not in shape.equality]
        head = rest[: len(wanted)]
        same = [(f, d) for f, d in head] == wanted
        reversed_ = [(f, -d) for f, d in head] == wanted
        return same or reversed_
    if rest and rest[0][0] in shape.ranges:
        return True
    return narrowed


class Recorder(monitoring.CommandListener):
    """Records the shapes of the commands sent from a frame of `models/`."""

    def __init__(self) -> None:
        self.shapes: dict[Shape, str] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        origin = _repository_frame()
        if origin is None:
            return
        found = set(command_shapes(event.command_name, event.command))
        with self._lock:
            for shape in found:
                self.shapes.setdefault(shape, origin)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _repository_frame() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(MODELS):
            return f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def command_shapes(name: str, command: Mapping[str, Any]) -> Iterable[Shape]:
    collection = str(command.get(name, ""))
    if name == "find":
        yield from shapes_of(collection, command.get("filter") or {}, command.get("sort") or {})
    elif name == "aggregate":
        pipeline = list(command.get("pipeline") or [])
        match: Mapping[str, Any] = {}
        sort: Mapping[str, int] = {}
        if pipeline and "$match" in pipeline[0]:
            match = pipeline.pop(0)["$match"]
        if pipeline and "$sort" in pipeline[0]:
            sort = pipeline[0]["$sort"]
        yield from shapes_of(collection, match, sort)
    elif name in ("update", "delete"):
        for statement in command.get(f"{name}s") or []:
            yield from shapes_of(collection, statement.get("q") or {}, {})
    elif name == "findAndModify":
        yield from shapes_of(collection, command.get("query") or {}, command.get("sort") or {})
    elif name in ("count", "distinct"):
        yield from shapes_of(collection, command.get("query") or {}, {})


async def listed_indexes(
    database: AsyncDatabase[dict[str, Any]], collections: Iterable[str]
) -> dict[str, list[list[tuple[str, int]]]]:
    """Each collection's indexes as `listIndexes` reports them: their (field, direction)
    keys, in order (what `unserved` checks shapes against)."""
    found = {}
    for collection in collections:
        listed = await (await database[collection].list_indexes()).to_list()
        found[collection] = [
            [(field, int(direction)) for field, direction in index["key"].items()]
            for index in listed
        ]
    return found


def unserved(
    shapes: Mapping[Shape, str], indexes: Mapping[str, list[list[tuple[str, int]]]]
) -> list[str]:
    """The shapes no index serves and no accepted scan names, with where they came from."""
    problems = []
    for shape, origin in sorted(shapes.items()):
        if str(shape) in ACCEPTED_SCANS:
            continue
        keys = [[("_id", 1)], *indexes.get(shape.collection, [])]
        if not any(served(shape, index) for index in keys):
            problems.append(f"{shape}   (from {origin})")
    return problems

"""Where the embedded database answers unlike MongoDB, and how the repositories cope.

The tests, `make start` without a MONGODB_URL and the benches run on SecantusDB (a
MongoDB wire-protocol server on WiredTiger, 0.7.0b3 in uv.lock); production runs on
MongoDB. Each difference met so far is said here, once: what SecantusDB does, what
MongoDB does, and the workaround. The code that works around one names it by its
constant here (`db_quirks.UPSERT_RACE_ANSWERS_NULL`), and tests/test_secantus_quirks.py
shows each one that can be shown on demand against the SecantusDB the suite runs, so a
release that fixes it fails that test: then the workaround can go (each is also right
on MongoDB, so keeping one is never wrong, only useless).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError


@dataclass(frozen=True, slots=True)
class Quirk:
    secantus: str
    mongodb: str
    workaround: str
    # Whether tests/test_secantus_quirks.py can show it; if not, why.
    pinned: bool | str = True


# --- Transactions ------------------------------------------------------------------

WRITE_CONFLICT_AS_DUPLICATE_KEY = Quirk(
    secantus="Now and then (about once in ten loaded runs of the follow storm) a write "
    "conflict between concurrent transactions comes back as a DuplicateKeyError on a "
    "unique index the write never changed (a user's e-mail or pseudo, from a counter's "
    "$inc), without the TransientTransactionError label.",
    mongodb="WriteConflict (112) labelled TransientTransactionError, which "
    "`with_transaction` retries.",
    workaround="models/follow.py retries the whole unit on `unlabelled_write_conflict` "
    "below; each unit is guarded (the edge's unique pair, `deleted_count`), so a retry "
    "never counts twice.",
    pinned="not on demand: thousands of conflicting transactions, interleaved by hand "
    "or stormed, all came back as labelled WriteConflicts on 0.7.0b3",
)

UNLABELLED_COMMIT_CONFLICT = Quirk(
    secantus="A conflict found at commit may come back as InternalError (1), without "
    "the TransientTransactionError label.",
    mongodb="Labelled (TransientTransactionError or UnknownTransactionCommitResult).",
    workaround="Retried like WRITE_CONFLICT_AS_DUPLICATE_KEY (models/follow.py).",
    pinned="not on demand, as WRITE_CONFLICT_AS_DUPLICATE_KEY",
)

# Tries of one unit of work that meets unlabelled conflicts before the error is raised.
CONFLICT_ATTEMPTS = 5
_INTERNAL_ERROR = 1


def unlabelled_write_conflict(error: PyMongoError, own_unique_field: str) -> bool:
    """Whether `error`, raised in a transaction, is one of the conflicts above rather than
    a real failure. A duplicate key on the index holding `own_unique_field` (the unit's
    own unique write, such as a follow edge's pair) is a real duplicate."""
    if isinstance(error, DuplicateKeyError):
        key_pattern = (error.details or {}).get("keyPattern") or {}
        return own_unique_field not in key_pattern
    return isinstance(error, OperationFailure) and error.code == _INTERNAL_ERROR


# --- Writes ------------------------------------------------------------------------

UPSERT_RACE_ANSWERS_NULL = Quirk(
    secantus="Concurrent findAndModify upserts of one new document: the ones that lose "
    "the race answer null (no document, no error), and may or may not have applied "
    "their update to the winner's document.",
    mongodb="The losers get DuplicateKeyError (retryable: the retry matches the winner's "
    "document), or find the winner's document and update it.",
    workaround="Null is read as a lost race: the upsert is tried again (models/"
    "climb_session.py, opening a day), or the document is read back, checking whether "
    "this write landed before making it again (models/auth_attempt.py, "
    "models/account_deletion.py).",
)

POSITIONAL_IN_FIND_AND_MODIFY = Quirk(
    secantus="The positional `$` in a findAndModify update fails: 'The positional "
    "operator did not find the match needed from the query' (BadValue).",
    mongodb="`$` is the first array element the query matched.",
    workaround="An array filter (`croix.$[c]` with `c.id`), which means the same on "
    "MongoDB (models/climb_session.py, update_croix).",
)

ARRAY_FILTER_REEVALUATED = Quirk(
    secantus="An array filter is evaluated again after each path the update sets, so a "
    "filter on a field that an earlier path of the same update sets stops the later "
    "paths.",
    mongodb="Array filters select the elements once, before the update.",
    workaround="A project's send is one subdocument, written with a single `$set` path "
    "(models/climb_session.py, ProjectSend).",
)

# --- Queries -----------------------------------------------------------------------

ID_LOOKUP_SCANS_WITH_OTHER_CLAUSES = Quirk(
    secantus="A filter with `_id` and any other clause scans the collection: the `_id` "
    "index serves `_id` only when it stands alone.",
    mongodb="The `_id` index serves the `_id` clause; the rest filters the one document.",
    workaround="`by_id_then` below: `_id` in a `$match` of its own, the other clauses in "
    "a second one, which MongoDB merges (models/video.py).",
)


def by_id_then(id_clause: Any, *clauses: dict[str, Any]) -> list[dict[str, Any]]:
    """Pipeline stages matching `_id` against `id_clause` (a value or an operator such as
    `{"$in": [...]}`), then every other clause: one `$match` each, so the embedded
    database looks the documents up by `_id` (ID_LOOKUP_SCANS_WITH_OTHER_CLAUSES)."""
    return [{"$match": {"_id": id_clause}}, *({"$match": clause} for clause in clauses)]


RANGE_ON_DESCENDING_INDEX_MISSES_BOUND = Quirk(
    secantus="`{date: {$gte: a, $lte: b}}` served by a compound index with `date` "
    "descending misses documents equal to the `$gte` bound.",
    mongodb="Both bounds are inclusive, whatever the index's direction.",
    workaround="The range as `$expr` comparisons, which MongoDB (5.0+) still serves from "
    "the index (models/stats.py, _in_range).",
)

ARRAY_PATH_IN_PROJECT = Quirk(
    secantus='`$project` of an array path (`"$blocking.blocked_id"`: the field of each '
    "element) yields nothing.",
    mongodb="The array of each element's field.",
    workaround="`$map` over the array, which means the same on MongoDB (models/audience.py).",
)

QUIRKS: dict[str, Quirk] = {
    name: value for name, value in globals().items() if isinstance(value, Quirk)
}

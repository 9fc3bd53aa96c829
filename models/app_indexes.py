"""The indexes the app owns: every one it creates is named with `APP_INDEX_PREFIX`.

An operator may add indexes of their own (Atlas's Performance Advisor suggests some, named
after their keys: `user_id_1_created_at_-1`). The release command drops an index only when
the app made it and no model declares it any more, and it knows its own by the prefix, so
an operator's index is never dropped, whatever the models say.

The prefix is given here, once, to every index the models declare (`prefix_declared`,
called by models.registry): a model keeps its short name (`name="ttl"`), MongoDB shows
`pb_ttl`, and an index a later change adds is prefixed without anyone remembering to.

Before the prefix, the app's indexes had their bare names (`LEGACY_APP_INDEXES`). MongoDB
refuses a second index on the same key under another name, so these are dropped, by exact
name and collection, before the prefixed ones are built: once, by the first release (or
the first start on a database no release migrated) that finds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beanie import Document
from beanie.odm.fields import IndexModelField
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

APP_INDEX_PREFIX = "pb_"

# The app's own index names before they carried the prefix (as of the release that added
# it), per collection. Dropped wherever found: no operator's index has these names. This
# list can go once every deployment has run a release with the prefix.
LEGACY_APP_INDEXES: Mapping[str, frozenset[str]] = {
    "users": frozenset({"email_unique", "pseudo_unique"}),
    "throttle": frozenset({"ttl"}),
    "videos": frozenset({"feed_order", "user_videos"}),
    "gyms": frozenset({"name_unique"}),
    "sessions": frozenset(
        {"auto_day_unique", "client_id_unique", "croix_id", "user_sessions_order"}
    ),
    "follows": frozenset({"follow_unique", "followers_newest_first", "following_newest_first"}),
    "password_resets": frozenset({"one_per_user", "token_hash_unique", "ttl"}),
    "account_deletions": frozenset({"due", "one_per_user", "ttl"}),
    "data_exports": frozenset({"objects_to_delete"}),
    "blocks": frozenset({"block_unique", "blocked_by", "blocks_newest_first"}),
    "reports": frozenset({"one_report_per_reporter", "reports_by_target"}),
    "report_cases": frozenset(
        {"cases_by_target_user", "one_case_per_target", "queue_oldest_first"}
    ),
    "moderation_log": frozenset({"log_newest_first"}),
    "persisted_queries": frozenset({"ttl"}),
}


def collection_of(model: type[Document]) -> str:
    # Read from Settings, since get_collection_name() only works after init_beanie.
    return str(getattr(model.Settings, "name", model.__name__))


def declared(model: type[Document]) -> list[IndexModel]:
    return [
        index for index in getattr(model.Settings, "indexes", []) if isinstance(index, IndexModel)
    ]


def prefix_declared(models: Iterable[type[Document]]) -> None:
    """Give every declared index the app's prefix (idempotent). The name is part of the
    IndexModel's document, which Beanie and pymongo read when creating it."""
    for model in models:
        for index in declared(model):
            name = str(index.document["name"])
            if not name.startswith(APP_INDEX_PREFIX):
                index.document["name"] = APP_INDEX_PREFIX + name


def _is_declared(name: str, details: Mapping[str, Any], wanted: Sequence[IndexModelField]) -> bool:
    # Beanie's own comparison (keys and every option, the name included), so what is kept
    # here is exactly what init_beanie then finds already built.
    found = IndexModelField.from_pymongo_index_information({name: dict(details)})
    # Beanie leaves out of its comparison any index whose key holds (_id, 1), and so
    # never drops one: neither does this.
    return not found or found[0] in wanted


async def drop_stale_app_indexes(
    database: AsyncDatabase[Any], models: Iterable[type[Document]], *, undeclared: bool
) -> dict[str, list[str]]:
    """Drop the app's indexes that are in the way: the legacy bare-named ones always, and
    with `undeclared` (the release command) every prefixed index no model declares as it
    is (gone, or its spec changed: it is built again). Never an index without the prefix
    outside the legacy list. Returns what was dropped, per collection."""
    dropped: dict[str, list[str]] = {}
    for model in models:
        name = collection_of(model)
        collection = database[name]
        wanted = [IndexModelField(index) for index in declared(model)]
        legacy = LEGACY_APP_INDEXES.get(name, frozenset())
        for index_name, details in (await collection.index_information()).items():
            ours = index_name.startswith(APP_INDEX_PREFIX)
            stale = undeclared and ours and not _is_declared(index_name, details, wanted)
            if index_name in legacy or stale:
                await collection.drop_index(index_name)
                dropped.setdefault(name, []).append(index_name)
    return dropped

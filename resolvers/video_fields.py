"""Which stored fields a listing reads: those the query's selection of its videos needs.

A feed page decodes twenty documents, and every video probed since issue 26 carries six
media fields, its visibility, comment count and holds: decoding and copying those for a
query that selects none of them is work for nothing. So a listing asks the repository for
what its selection needs, and a field missing from a row is one nobody will resolve.
(Measured on the bench's data, whose older-style documents lack those fields, it saved
nothing and reading the selection cost ~1 %: bench/RESULTS.md, round three.)

Every field of `Video` is classified here; a test keeps it so (a new field that reads a
stored one must say which, or a listing would answer its default). A selection holding a
field this module does not know reads every field: slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from kit.cache import Lru
from resolvers.context import Info
from resolvers.extensions.executor_fence import field_nodes

# Fields a listing's row always carries (models.video.LISTING_ALWAYS), or that read no
# stored field of their own (`comments` is a query of its own, by the video's id).
FREE = frozenset(
    {"id", "user", "video_url", "color", "grade", "status", "created_at", "comments", "__typename"}
)
# The optional stored fields (models.video.LISTING_OPTIONAL) each field needs.
STORED: dict[str, tuple[str, ...]] = {
    "caption": ("caption",),
    "like_count": ("like_count",),
    "is_liked_by_me": ("liked_by_me",),
    "sent_at": ("sent_at",),
    "visibility": ("visibility",),
    "comment_count": ("comment_count",),
    "hidden": ("withheld",),
    "media_state": ("media_state",),
    "media_error": ("media_error",),
    "duration_ms": ("duration_ms",),
    "width": ("width",),
    "height": ("height",),
    "poster_url": ("poster_url",),
}


# What `listed_fields` found, by its path and the ids of the field's nodes in the parsed
# document: a cached document runs with the same nodes each time, and Strawberry's
# `selected_fields` rebuilds the whole selection as objects on every call (some 140
# Python calls a feed page). The entry holds the nodes, so their ids cannot be reused by
# others while it lives; the bound keeps what it holds to a few documents' worth.
_FOUND: Lru[tuple[object, ...], tuple[tuple[object, ...], frozenset[str] | None]] = Lru(128)


def listed_fields(info: Info, *path: str) -> frozenset[str] | None:
    """The optional stored fields the listed videos' selection needs; `path` leads from
    the resolver's own field down to the videos (`("edges", "node")` for a connection).
    None (read them all) for a selection holding a field not classified here. Only the
    document's text decides it (fragments included; directives are not weighed)."""
    nodes = field_nodes(info)
    key = (*path, *map(id, nodes))
    found = _FOUND.get(key)
    if found is None:
        found = (nodes, _listed(info, path))
        _FOUND.put(key, found)
    return found[1]


def _listed(info: Info, path: Sequence[str]) -> frozenset[str] | None:
    # The children of the resolver's own field (its nodes: one, or several merged).
    selections: Sequence[Selection] = [
        child for field in _fields(info.selected_fields) for child in field.selections
    ]
    for step in path:
        selections = [
            child
            for field in _fields(selections)
            if field.name == step
            for child in field.selections
        ]
    needed: set[str] = set()
    for field in _fields(selections):
        if field.name in FREE:
            continue
        stored = STORED.get(field.name)
        if stored is None:
            return None
        needed.update(stored)
    return frozenset(needed)


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments (named or inline) flattened. Directives
    (`@include`, `@skip`) are not weighed: a field that may be asked for is read."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)

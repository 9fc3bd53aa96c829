"""Per-request DataLoaders: one batched query per kind, however many objects ask.

Built fresh for each request (in `get_context`), so nothing is cached across users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId
from strawberry.dataloader import DataLoader

from models.gym import GymDocument
from models.registry import Repositories
from models.user import UserCard

# (follower, followee): keyed on the pair, since loaders are built before the viewer is known.
FollowPair = tuple[PydanticObjectId, PydanticObjectId]


class _HasId(Protocol):
    @property
    def id(self) -> PydanticObjectId | None: ...


ItemT = TypeVar("ItemT", bound=_HasId)


def order_by_keys(keys: Sequence[ObjectId], found: Sequence[ItemT]) -> list[ItemT | None]:
    """Line the items up with the keys asked for (None where one is missing)."""
    index: dict[ObjectId | None, ItemT] = {item.id: item for item in found}
    return [index.get(key) for key in keys]


@dataclass(frozen=True, slots=True)
class Loaders:
    users: DataLoader[ObjectId, UserCard | None]
    gyms: DataLoader[PydanticObjectId, GymDocument | None]
    # Whether the pair is a follow edge: a page of users costs one `follows` query.
    follows: DataLoader[FollowPair, bool]


def build_loaders(repos: Repositories) -> Loaders:
    async def load_users(keys: list[ObjectId]) -> list[UserCard | None]:
        return order_by_keys(keys, await repos.users.cards(keys))

    async def load_gyms(keys: list[PydanticObjectId]) -> list[GymDocument | None]:
        return order_by_keys(keys, await repos.gyms.get_many(keys))

    async def load_follows(keys: list[FollowPair]) -> list[bool]:
        found = await repos.follows.followed_pairs(keys)
        return [key in found for key in keys]

    return Loaders(
        users=DataLoader(load_fn=load_users),
        gyms=DataLoader(load_fn=load_gyms),
        follows=DataLoader(load_fn=load_follows),
    )

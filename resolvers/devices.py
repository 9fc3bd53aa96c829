"""Phones to push notifications to (workflows.push): registered by the app after log-in,
unregistered at log-out. Without FCM configured they are kept all the same (nothing is
sent), so turning push on later reaches phones already registered."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.device import ANDROID, IOS
from resolvers.context import Info


@strawberry.enum(name="Platform", description="Which kind of phone a device is.")
class Platform(Enum):
    ANDROID = ANDROID
    IOS = IOS


@strawberry.type
class DeviceMutation:
    @strawberry.mutation(
        name="registerDevice",
        description="Push notifications to this phone: its FCM registration `token`, and "
        "its `locale` (fr or en texts). Registering a token again updates it (and moves it "
        "from whoever registered it before). Idempotent.",
    )
    async def register_device(
        self, info: Info, token: str, platform: Platform, locale: str | None = None
    ) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.devices.register(viewer, token, platform.name, locale)
        return True

    @strawberry.mutation(
        name="unregisterDevice",
        description="No more pushes to this phone (at log-out). Idempotent.",
    )
    async def unregister_device(self, info: Info, token: str) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.devices.unregister(viewer, token)
        return True

"""Direct uploads: the seed's `getPresignedUploadUrl` and the richer `createUpload`."""

from __future__ import annotations

import strawberry
from beanie import PydanticObjectId

from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.errors import BadUserInput
from storage.kinds import RULES, MediaKind, content_type_for_filename, kind_for_content_type
from storage.service import UploadTicket

# Registers the storage enum as the GraphQL enum `UploadKind`.
strawberry.enum(MediaKind, name="UploadKind")


@strawberry.type
class UploadHeader:
    name: str
    value: str


@strawberry.type(description="Where and how to PUT one file, straight to object storage.")
class Upload:
    upload_url: str
    method: str
    headers: list[UploadHeader] = strawberry.field(
        description="Send exactly these headers with the PUT, or it is refused."
    )
    key: str
    public_url: str = strawberry.field(
        description="Pass this to postVideo / createCroix / updateProfile once uploaded."
    )
    # A String like every instant of the schema (README, Dates and times): it was the
    # schema's only DateTime, serialized in another format (microseconds, +00:00).
    expires_at: str = strawberry.field(
        description="When upload_url stops working: ISO-8601 in UTC with milliseconds, "
        "like every instant of this schema (2025-06-01T18:03:11.482Z)."
    )

    @classmethod
    def from_ticket(cls, ticket: UploadTicket) -> Upload:
        return cls(
            upload_url=ticket.upload_url,
            method=ticket.method,
            headers=[UploadHeader(name=k, value=v) for k, v in ticket.headers.items()],
            key=ticket.key,
            public_url=ticket.public_url,
            expires_at=iso_utc(ticket.expires_at),
        )


async def _signed(
    info: Info, viewer: PydanticObjectId, kind: MediaKind, content_type: str, size: int | None
) -> UploadTicket:
    """A ticket, within the viewer's upload budget. Signed first (checking the type and
    size, and costing nothing) so that a refused request spends none of the budget; a
    ticket without a size counts as its kind's cap, all it can carry."""
    services = info.context.services
    ticket = await services.storage.create_upload(
        kind=kind, content_type=content_type, size=size, owner_id=str(viewer)
    )
    await services.upload_quota.spend(str(viewer), size or RULES[kind].max_bytes)
    return ticket


@strawberry.type
class UploadMutation:
    @strawberry.mutation(
        name="getPresignedUploadUrl",
        description="The seed's upload flow: a PUT URL for a video or photo, typed from the "
        "file name's extension. Send the matching Content-Type header.",
    )
    async def get_presigned_upload_url(self, info: Info, filename: str) -> str:
        viewer = info.context.require_viewer()
        content_type = content_type_for_filename(filename)
        kind = kind_for_content_type(content_type) if content_type else None
        if content_type is None or kind is None:
            raise BadUserInput(
                "filename", "must end in .mp4, .mov, .webm, .jpg, .jpeg, .png, .heic or .webp"
            )
        ticket = await _signed(info, viewer, kind, content_type, None)
        return ticket.upload_url

    @strawberry.mutation(
        name="createUpload",
        description="Sign an upload of `size` bytes of `content_type` for a video, photo or "
        "avatar. Video: mp4, quicktime, webm up to 100 MiB; photo: jpeg, png, heic, webp up "
        "to 15 MiB; avatar: the same types up to 5 MiB.",
    )
    async def create_upload(
        self,
        info: Info,
        kind: MediaKind,
        content_type: str,
        size: int,
    ) -> Upload:
        viewer = info.context.require_viewer()
        ticket = await _signed(info, viewer, kind, content_type, size)
        return Upload.from_ticket(ticket)

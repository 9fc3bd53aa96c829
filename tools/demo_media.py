"""Media for the demo data: generated images and placeholder videos, stored as uploads.

The files go through the storage's own rules (`create_upload` picks the key and checks
type and size), then are written where the local backend serves them from, so the demo's
URLs are ones the API itself made and serves under `/media/`.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from fractions import Fraction

import anyio.to_thread
from PIL import Image

from storage.kinds import MediaKind
from storage.local import LocalStorage
from storage.service import MediaStorage


@functools.cache
def placeholder_video() -> bytes:
    """A playable two-second H.264 clip (PyAV, the media worker's own dependency): the
    demo's videos pass the media probe and get posters like real ones."""
    import av  # loaded only by the demo seed

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as muxer:
        stream = muxer.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 180, 320, "yuv420p"
        for index in range(20):
            shade = 60 + index * 8
            picture = Image.new("RGB", (180, 320), (shade, 90, 160))
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            for packet in stream.encode(frame):
                muxer.mux(packet)
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()


HOLD_RGB: dict[str, tuple[int, int, int]] = {
    "black": (30, 30, 30),
    "blue": (33, 99, 214),
    "brown": (121, 85, 61),
    "green": (46, 160, 67),
    "grey": (140, 140, 140),
    "orange": (245, 130, 32),
    "pink": (236, 112, 160),
    "purple": (124, 77, 196),
    "red": (214, 48, 49),
    "turquoise": (32, 191, 190),
    "white": (240, 240, 240),
    "yellow": (242, 201, 36),
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(
    rgb: tuple[int, int, int], size: int = 64, stripe: tuple[int, int, int] | None = None
) -> bytes:
    """A valid RGB PNG, one colour with optional diagonal stripes (a hold, an avatar)."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type 0 for each scanline
        for x in range(size):
            striped = stripe is not None and (x + y) // 8 % 2 == 0
            rows.extend(stripe if striped and stripe is not None else rgb)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


async def store(
    storage: MediaStorage, kind: MediaKind, owner_id: str, content_type: str, body: bytes
) -> str:
    """Store `body` as the owner's upload and have it vouched for, as the app's flow does;
    returns the public URL of the accepted copy (what the API would store)."""
    backend = storage.backend
    if not isinstance(backend, LocalStorage):
        raise RuntimeError("demo media can only be written to the local storage backend")
    ticket = await storage.create_upload(
        kind=kind, content_type=content_type, size=len(body), owner_id=owner_id
    )
    path = backend.path_for(ticket.key)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    await anyio.to_thread.run_sync(write)
    return await storage.verify_media_url(
        ticket.public_url, kind=kind, owner_id=owner_id, field="demo media"
    )

"""Real media, made by the tests themselves: PyAV encodes clips, Pillow writes photos.

Nothing here is a fixture file checked in: every clip and photo is encoded when a test
asks for it (the small defaults once per session), so each bad class is generated from
a good file by the one change that makes it bad.
"""

from __future__ import annotations

import functools
import io
from fractions import Fraction

import av
from av.video.stream import VideoStream
from PIL import Image

# GPS IFD tags (EXIF 2.3): latitude ref / latitude, longitude ref / longitude.
GPS_IFD = 0x8825
ORIENTATION = 0x0112
HOME = {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}


def clip(
    seconds: float = 2.0,
    width: int = 160,
    height: int = 96,
    fps: int = 10,
    *,
    rotation: int = 0,
    container: str = "mp4",
    codec: str = "libx264",
    split_colours: bool = False,
) -> bytes:
    """A video of `seconds` whose frames change colour; `rotation` sets the display
    matrix (counter-clockwise degrees) as a phone filming upright does. With
    `split_colours`, the left half of each frame is red and the right half blue, so which
    way a picture was turned shows in it."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        stream = muxer.add_stream(codec, rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(max(1, round(seconds * fps))):
            if split_colours:
                image = Image.new("RGB", (width, height), (0, 0, 255))
                image.paste((255, 0, 0), (0, 0, width // 2, height))
            else:
                image = Image.new("RGB", (width, height), ((index * 37) % 256, 90, 160))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                muxer.mux(packet)
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()


def audio_only_mp4(seconds: float = 1.0) -> bytes:
    """An MP4 holding AAC audio (silence) and no video stream."""
    out = io.BytesIO()
    rate = 44_100
    with av.open(out, "w", format="mp4") as muxer:
        stream = muxer.add_stream("aac", rate=rate)
        samples = 1024
        for index in range(int(seconds * rate / samples)):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = rate
            frame.pts = index * samples
            for packet in stream.encode(frame):
                muxer.mux(packet)
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()


def jpeg(
    width: int = 64, height: int = 48, *, gps: bool = False, orientation: int | None = None
) -> bytes:
    """A JPEG photo; with `gps`, an EXIF block giving where it was taken (and a camera
    model and an XMP packet besides); with `orientation`, the EXIF rotation flag."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue
    exif = image.getexif()
    exif[0x0110] = "Climbing Phone 12"  # Model
    if gps:
        exif[GPS_IFD] = HOME
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret>home</secret></x:xmpmeta>'
    image.save(out, "JPEG", exif=exif.tobytes(), xmp=xmp, quality=90)
    return out.getvalue()


def png(width: int = 32, height: int = 32, *, alpha: bool = False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (10, 120, 60, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@functools.cache
def small_clip() -> bytes:
    """The default upload of a video in tests: two seconds of H.264 in MP4, ~3 KB."""
    return clip()


@functools.cache
def small_jpeg() -> bytes:
    return jpeg()


@functools.cache
def small_png() -> bytes:
    return png()

"""Probing an uploaded video and taking its poster, with FFmpeg's libraries (PyAV).

An uploaded file is hostile until proven otherwise: FFmpeg parses it in a child process
(`probe_in_child`), never in the API's own, so that
- a decoder that crashes on a crafted file kills the child, not the service;
- its memory is capped (RLIMIT_AS, set by the child before FFmpeg is loaded), it is the
  kernel's first choice should memory run out anyway (oom_score_adj), and its CPU
  priority is lowered (nice), so a 4K file cannot starve the requests served beside it;
- a file that makes the decoder loop is killed at `timeout`;
- the event loop only waits on a pipe.

The child reads the whole container once (demuxing is cheap: no decoding), which proves
that every packet is there (a truncated upload is caught) and measures the real duration;
it decodes frames only up to the poster's (about one second in).

What it accepts: MP4/MOV or WebM (Matroska) holding a video stream in H.264, HEVC, VP9 or
AV1, at most `max_seconds` long, at most 4K either way up (4096 x 2160, long x short
side). Width and height are reported as displayed (the rotation applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Demuxers (FFmpeg's names, as `format.name` lists them) and codecs a phone plays.
CONTAINERS = frozenset({"mov", "mp4", "matroska", "webm"})
CODECS = {"h264": "H.264", "hevc": "HEVC", "vp9": "VP9", "av1": "AV1"}
MAX_LONG_SIDE = 4096
MAX_SHORT_SIDE = 2160
POSTER_AT_SECONDS = 1.0
POSTER_MAX_WIDTH = 720
POSTER_QUALITY = 80
# A container whose packets end this much before its stated duration is cut short.
_TRUNCATION_SLACK = 0.5
# Where `kit` is importable from, for the child's `-m kit.video_probe`.
_APP_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class VideoRefused(Exception):
    """The file is not a video this service shows; `reason` says why, for its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProbeFailed(Exception):
    """The probe itself failed (crashed, ran out of memory or time): maybe the file's
    fault, maybe the machine's. Retried, then given up with this message."""


@dataclass(frozen=True, slots=True)
class Probe:
    duration_ms: int
    # As displayed: the rotation applied.
    width: int
    height: int
    codec: str
    container: str
    rotation: int


@dataclass(frozen=True, slots=True)
class Limits:
    max_seconds: float = 90.0
    # The child's address-space cap (bytes) and wall-clock budget (seconds).
    memory_bytes: int = 1024 * 1024 * 1024
    timeout_seconds: float = 120.0


def probe(source: Path, poster: Path, max_seconds: float) -> Probe:
    """Check `source` and write its poster (JPEG) to `poster`; VideoRefused says why not."""
    import av  # in the child only: the API process never loads FFmpeg

    if source.stat().st_size == 0:
        raise VideoRefused("the file is empty")
    if _is_boxed(source) and not _boxes_complete(source):
        raise VideoRefused("the video is cut short (its last part is missing)")
    try:
        container = av.open(str(source), metadata_errors="ignore")
    except MemoryError:
        raise  # FFmpeg's ENOMEM is an FFmpegError too: the cap's verdict, not the file's
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise VideoRefused("not a video file (FFmpeg cannot read it)") from error
    with container:
        demuxers = set(container.format.name.split(","))
        if not demuxers & CONTAINERS:
            raise VideoRefused(f"not an MP4, MOV or WebM file ({container.format.name})")
        if not container.streams.video:
            raise VideoRefused("the file holds no video stream")
        stream = container.streams.video[0]
        if stream.codec_context is None:  # a codec id FFmpeg has no decoder for
            raise VideoRefused("the video's codec is unknown")
        codec = stream.codec_context.name
        if codec not in CODECS:
            raise VideoRefused(f"video codec {codec} is not H.264, HEVC, VP9 or AV1")
        stated = _stated_seconds(container.duration, stream)
        if stated is not None and stated > max_seconds:
            raise VideoRefused(f"the video lasts {stated:.1f} s, more than {max_seconds:g} s")
        coded = (stream.codec_context.width, stream.codec_context.height)
        if max(coded) > MAX_LONG_SIDE or min(coded) > MAX_SHORT_SIDE:
            raise VideoRefused(f"the video is {coded[0]}x{coded[1]}, larger than 4K")
        # One decoding thread: bounded memory, and the other core stays the API's.
        stream.codec_context.thread_count = 1
        return _read_through(container, stream, poster, stated, max_seconds, codec)


# The boxes an MP4 or a QuickTime file may start with.
_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"})


def _is_boxed(source: Path) -> bool:
    with source.open("rb") as reader:
        return reader.read(8)[4:8] in _FIRST_BOXES


def _boxes_complete(source: Path) -> bool:
    """Whether the MP4/MOV file's top-level boxes end exactly at its end: FFmpeg plays a
    file whose last box is cut (often metadata), but that file did not arrive whole."""
    size = source.stat().st_size
    offset = 0
    with source.open("rb") as reader:
        while offset < size:
            reader.seek(offset)
            header = reader.read(16)
            if len(header) < 8:
                return False
            length = int.from_bytes(header[:4], "big")
            if length == 1:  # a 64-bit size follows the type
                if len(header) < 16:
                    return False
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:  # the last box, up to the end of the file
                return True
            if length < 8:
                return False
            offset += length
    return offset == size


def _stated_seconds(container_duration: int | None, stream: Any) -> float | None:
    if container_duration is not None and container_duration > 0:
        return float(container_duration) / 1_000_000
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _read_through(
    container: Any, stream: Any, poster: Path, stated: float | None, max_seconds: float, codec: str
) -> Probe:
    import av

    target = POSTER_AT_SECONDS if stated is None else min(POSTER_AT_SECONDS, stated / 2)
    frame_taken: Any = None
    last_frame: Any = None
    end = 0.0
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base is not None:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
                if end > max_seconds + 1:
                    raise VideoRefused(f"the video lasts more than {max_seconds:g} s")
            if frame_taken is not None:
                continue  # past the poster: demux only, to check every packet is there
            for frame in packet.decode():
                last_frame = frame
                if frame.time is not None and frame.time >= target:
                    frame_taken = frame
                    break
    except MemoryError:
        raise
    except av.error.FFmpegError as error:
        raise VideoRefused("the video is damaged or cut short (it cannot be read)") from error
    frame = frame_taken or last_frame
    if frame is None:
        raise VideoRefused("no frame of the video can be decoded")
    if stated is not None and end + _TRUNCATION_SLACK < stated * 0.9:
        raise VideoRefused("the video is cut short (its frames end before its stated length)")
    rotation = int(frame.rotation or 0) % 360
    width, height = frame.width, frame.height
    if rotation in (90, 270):
        width, height = height, width
    _write_poster(frame, rotation, poster)
    return Probe(
        duration_ms=round((stated if stated is not None else end) * 1000),
        width=width,
        height=height,
        codec=CODECS[codec],
        container=container.format.name,
        rotation=rotation,
    )


def _write_poster(frame: Any, rotation: int, poster: Path) -> None:
    image = frame.to_image()  # RGB, no metadata
    if rotation:
        # FFmpeg's display rotation is counter-clockwise, as PIL's rotate is.
        image = image.rotate(rotation, expand=True)
    if image.width > POSTER_MAX_WIDTH:
        height = max(1, round(image.height * POSTER_MAX_WIDTH / image.width))
        image = image.resize((POSTER_MAX_WIDTH, height))
    image.save(poster, "JPEG", quality=POSTER_QUALITY, optimize=True)


# --- the child ---------------------------------------------------------------------------


def _child(argv: list[str]) -> int:
    """`python -m kit.video_probe SOURCE POSTER MAX_SECONDS MEMORY_BYTES`: one JSON line
    on stdout, {"probe": {...}} or {"refused": reason}; exit 0 either way."""
    source, poster, max_seconds, memory = argv
    import resource

    # Before FFmpeg is loaded, so every allocation it ever makes counts.
    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
    os.nice(10)
    # Should the machine run out of memory anyway, the kernel kills this child first,
    # never the API beside it (raising one's own score needs no privilege).
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")
    try:
        found = probe(Path(source), Path(poster), float(max_seconds))
    except VideoRefused as refused:
        print(json.dumps({"refused": refused.reason}))
    except MemoryError:
        # Over the cap: a file this demanding is refused, said as such (not "damaged").
        print(json.dumps({"refused": "the video needs more memory than allowed to decode"}))
    else:
        print(json.dumps({"probe": asdict(found)}))
    return 0


async def probe_in_child(source: Path, poster: Path, limits: Limits) -> Probe:
    """`probe` in a child process with its memory and time capped; VideoRefused for a file
    it refuses, ProbeFailed when the child crashed or overran."""
    env = {**os.environ, "PYTHONPATH": _APP_ROOT, "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kit.video_probe", str(source), str(poster),
        str(limits.max_seconds), str(limits.memory_bytes),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(child.communicate(), limits.timeout_seconds)
    except TimeoutError:
        raise ProbeFailed(f"probing took longer than {limits.timeout_seconds:g} s") from None
    finally:
        if child.returncode is None:  # overran, or this task was cancelled (shutdown)
            child.kill()
            await child.wait()
    if child.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise ProbeFailed(f"the probe exited with {child.returncode}: {tail[0][:200]}")
    try:
        answer = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ProbeFailed("the probe gave no answer") from None
    if "refused" in answer:
        raise VideoRefused(str(answer["refused"]))
    return Probe(**answer["probe"])


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))

"""Peak memory and time of one media probe (kit.video_probe's child process).

    python -m bench.media_probe VIDEO [MEMORY_MB]

Prints the probe's verdict, its wall time and the child's peak RSS (getrusage of the
children: this process starts only that one). Used for bench/RESULTS.md, "Media probe".
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from kit.video_probe import Limits, Probe, ProbeFailed, VideoRefused, probe_in_child


async def _once(source: Path, memory_mb: int) -> tuple[Probe | str, float]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        limits = Limits(memory_bytes=memory_mb * 2**20, timeout_seconds=600)
        try:
            found: Probe | str = await probe_in_child(source, Path(folder) / "p.jpg", limits)
        except (ProbeFailed, VideoRefused) as error:
            found = repr(error)
    return found, time.perf_counter() - started


def main() -> None:
    source = Path(sys.argv[1])
    memory_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 768
    found, seconds = asyncio.run(_once(source, memory_mb))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{found} seconds={seconds:.2f} child_peak_rss_mib={peak:.1f}")


if __name__ == "__main__":
    main()

"""Import time of what the production process loads, measured in fresh interpreters."""

from __future__ import annotations

import statistics
import subprocess
from typing import Any

from bench.servers import REPO, server_python

# What `python -m api` imports before it serves: the app, uvicorn, and (production
# storage) the R2 backend with aioboto3.
PRODUCTION_IMPORTS = "import api.app, api.__main__, storage.r2"
_TIMED = "import time; t = time.perf_counter(); {imports}; print(time.perf_counter() - t)"


def _python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [server_python(), *flags, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )


def import_time(runs: int = 3) -> dict[str, Any]:
    """Median wall time of the imports, and the heaviest top-level packages."""
    times = [float(_python(_TIMED.format(imports=PRODUCTION_IMPORTS)).stdout) for _ in range(runs)]
    return {
        "imports": PRODUCTION_IMPORTS,
        "median_s": statistics.median(times),
        "runs_s": times,
        "heaviest": _heaviest(_python(PRODUCTION_IMPORTS, "-X", "importtime").stderr),
    }


def _heaviest(report: str, top: int = 8) -> list[tuple[str, float]]:
    """Top-level imports by cumulative time (ms), from `-X importtime`'s report."""
    found: list[tuple[str, float]] = []
    for line in report.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if name[1:].startswith(" "):  # indented: imported by another module
            continue
        found.append((name.strip(), int(cumulative) / 1000))
    return sorted(found, key=lambda item: item[1], reverse=True)[:top]

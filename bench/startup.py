"""Import time of what the production process loads, measured in fresh interpreters; and
`python -m bench.startup [OTHER_CHECKOUT ...]`: the cold start itself (issue 28), process
start to the first 200 on /healthz, median of 5, with production settings against a
running database (MONGODB_URL, else an embedded one in its own process)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench import procstat
from bench.servers import (
    APP_PACKAGES,
    REPO,
    Server,
    api_env,
    bench_secret,
    free_port,
    server_python,
)
from tools.embedded_db import EmbeddedMongo

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


def compile_checkout(checkout: Path) -> None:
    """Bytecode for a checkout's packages, as the production image has it (and as
    `server_python` compiles this one): where PYTHONDONTWRITEBYTECODE is set, every start
    would compile them again otherwise."""
    subprocess.run(  # noqa: S603 - our own interpreter
        [server_python(), "-m", "compileall", "-q", *APP_PACKAGES, "kit", "rules"],
        cwd=checkout,
        check=True,
    )


def cold_starts(
    mongodb_url: str, checkouts: list[Path], runs: int
) -> dict[Path, list[tuple[float, float, float]]]:
    """(wall, CPU, wall less waiting) seconds from `Popen` of `python -m api` (production
    settings) to its first 200 on /healthz, `runs` times per checkout, alternating; the
    database already running and holding its indexes (a first start, not counted, made
    them). On a shared, loaded machine the wall time mostly measures the others' load:
    the process's own CPU seconds (user + system) at that moment, and the wall time less
    what its main thread spent runnable but waiting for a CPU (schedstat), say what it
    would be on a machine of its own."""
    times: dict[Path, list[tuple[float, float, float]]] = {c: [] for c in checkouts}
    secret = bench_secret()
    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        for checkout in checkouts:
            compile_checkout(checkout)
        for attempt in range(runs + 1):
            for checkout in checkouts:
                port = free_port()
                env = api_env(mongodb_url, "startup", secret, port, Path(scratch))
                server = Server(
                    "api", [server_python(), "-m", "api"], env, port,
                    Path(scratch) / "api.log", cwd=checkout,
                )  # fmt: skip
                try:
                    seconds = server.start()
                    cpu = server.cpu_seconds()
                    waited = procstat.run_delay_seconds(server.pid)
                finally:
                    server.stop()
                if attempt > 0:  # the first start of each made the indexes
                    times[checkout].append((seconds, cpu, seconds - waited))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description="`python -m api` with production settings, Popen to the first 200 on "
        "/healthz: the median of --runs starts (issue 28's cold start), alternating with "
        "the checkouts given (e.g. an export of the code before a change)."
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("against", nargs="*", type=Path, help="other checkouts to alternate")
    args = parser.parse_args()
    checkouts = [REPO, *(path.resolve() for path in args.against)]
    url = os.environ.get("MONGODB_URL")
    database = None
    if not url:
        database = EmbeddedMongo(tempfile.mkdtemp(prefix="startup-db-"))
        url = database.start()
    try:
        print(f"load average before: {os.getloadavg()}")
        times = cold_starts(url, checkouts, args.runs)
        print(f"load average after: {os.getloadavg()}")
    finally:
        if database is not None:
            database.stop()
    for checkout, found in times.items():
        columns = zip(*found, strict=True)
        print(f"{checkout}:")
        for label, values in zip(("wall", "CPU", "wall less waiting"), columns, strict=True):
            runs = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {label:17} median {statistics.median(values):.2f} s ({runs})")


if __name__ == "__main__":
    main()

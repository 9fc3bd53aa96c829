"""`python -m bench.profiled OUT MODULE`: run MODULE as `__main__` under cProfile and
write the stats to OUT when it ends (`make bench --profile`, see bench/run.py).

`python -m cProfile` writes nothing here: uvicorn re-raises the SIGTERM it was stopped
with once its graceful shutdown is done, and the default handler then kills the process
before cProfile can write. A handler that exits instead lets the `finally` below run.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys


def main() -> None:
    out, module = sys.argv[1], sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()

"""CPU time and memory of a process, read from /proc (Linux, like the Fly machine)."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces: count fields after its closing paren.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def run_delay_seconds(pid: int) -> float:
    """How long the process's main thread has waited, runnable, for a CPU (the kernel's
    schedstat): on a loaded machine, what its wall time owes to the others."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mb(pid: int) -> float:
    return _status_kib(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """The resident-set high-water mark since start, or since `reset_peak`."""
    return _status_kib(pid, "VmHWM") / 1024


def reset_peak(pid: int) -> bool:
    """Restart the high-water mark at the current RSS (False where the kernel refuses)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True

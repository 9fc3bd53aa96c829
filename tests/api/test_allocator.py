"""The memory argon2id takes for a burst of log-ins goes back to the system afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api.allocator import return_large_buffers
from tests.support.deploy_files import ROOT

# Two threads verify 20 passwords each (19 MiB buffers, as PASSWORD_HASH_CONCURRENCY=2),
# then the process reports how much its RSS grew, in MiB.
_BURST = """
import sys, threading
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
if sys.argv[1] == "fixed":
    from api.allocator import return_large_buffers
    assert return_large_buffers()
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))
hashed = hasher.hash("correct horse")
before = rss()
def verify():
    for _ in range(20):
        hasher.verify("correct horse", hashed)
threads = [threading.Thread(target=verify) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print((rss() - before) // 1024)
"""


def _growth(mode: str) -> int:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _BURST, mode], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_login_burst_leaves_no_lasting_growth() -> None:
    if not return_large_buffers():
        pytest.skip("not glibc")
    assert _growth("fixed") <= 5
    # What it fixes: glibc's default keeps the buffers once it has raised its threshold.
    assert _growth("default") >= 19

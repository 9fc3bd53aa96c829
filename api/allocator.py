"""Give memory back: the allocator settings of the service process.

Each argon2id hash (workflows/passwords.py) takes a 19 MiB buffer. glibc serves large
allocations with mmap, which returns them to the system on free, but it raises its mmap
threshold after the first large free (up to 32 MiB on 64-bit), so every later buffer
comes from the heap and stays there once freed: a few log-ins left the process ~60 MB
larger for good. A fixed threshold (the same as `MALLOC_MMAP_THRESHOLD_=131072` in the
environment, which also turns the adjustment off) keeps the buffers on mmap.

Called first thing by every entry point that serves (`python -m api`, `make start`), so
it holds wherever the service runs, image or laptop, without an environment variable.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# glibc's mallopt parameter for the mmap threshold (malloc.h: M_MMAP_THRESHOLD = -3).
_M_MMAP_THRESHOLD = -3
# 128 KiB: glibc's own starting threshold, kept fixed.
MMAP_THRESHOLD_BYTES = 128 * 1024


def return_large_buffers() -> bool:
    """Fix glibc's mmap threshold; False where the C library is not glibc (musl, macOS),
    which have no such adjustment to turn off."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None or not hasattr(libc, "gnu_get_libc_version"):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))

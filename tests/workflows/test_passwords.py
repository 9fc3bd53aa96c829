import asyncio
import threading
import time

from workflows.passwords import OWASP_MEMORY_KIB, OWASP_PARALLELISM, OWASP_TIME_COST, PasswordHasher


async def test_hashes_use_owasp_argon2id_parameters_and_verify() -> None:
    hasher = PasswordHasher(max_concurrent=1)
    stored = await hasher.hash("correct horse battery")
    assert stored.startswith(
        f"$argon2id$v=19$m={OWASP_MEMORY_KIB},t={OWASP_TIME_COST},p={OWASP_PARALLELISM}$"
    )
    assert await hasher.verify("correct horse battery", stored)
    assert not await hasher.verify("wrong", stored)
    assert not await hasher.verify("anything", None)  # unknown account: burns time, fails
    assert not await hasher.verify("anything", "not-a-hash")  # corrupt: no exception


async def test_no_more_hashes_run_at_once_than_allowed() -> None:
    hasher = PasswordHasher(max_concurrent=2)
    running = peak = 0
    lock = threading.Lock()
    real_hash = hasher._hash.hash

    def tracked(password: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)  # hold the slot long enough for others to pile up
            return real_hash(password)
        finally:
            with lock:
                running -= 1

    hasher._hash.hash = tracked  # type: ignore[method-assign,assignment]
    await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(10)))
    assert peak == 2

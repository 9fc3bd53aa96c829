import asyncio
import threading

import pytest

from kit.passwords import OWASP_MEMORY_KIB, OWASP_PARALLELISM, OWASP_TIME_COST, PasswordHasher


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
    # Each hash waits for a second one to run beside it, so the slots fill however the
    # machine schedules the threads (a sleep only made that likely). With one slot the
    # pair never meets: the timeout only ends that failure.
    pair = threading.Barrier(2, timeout=60)

    def tracked(password: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            pair.wait()
            return real_hash(password)
        finally:
            with lock:
                running -= 1

    hasher._hash.hash = tracked  # type: ignore[method-assign,assignment]
    await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(10)))
    assert peak == 2


async def test_the_dummy_hash_is_made_once_off_the_event_loop() -> None:
    hasher = PasswordHasher(max_concurrent=4)
    loop_thread = threading.get_ident()
    made_on: list[int] = []
    real_hash = hasher._hash.hash

    def tracked(password: str) -> str:
        made_on.append(threading.get_ident())
        return real_hash(password)

    hasher._hash.hash = tracked  # type: ignore[method-assign,assignment]
    hasher.warm_up()
    results = await asyncio.gather(*(hasher.verify("anything", None) for _ in range(3)))
    assert results == [False, False, False]
    assert len(made_on) == 1
    assert made_on[0] != loop_thread


async def test_a_cancelled_login_does_not_cancel_the_dummy_hash_for_others() -> None:
    hasher = PasswordHasher(max_concurrent=2)
    first = asyncio.ensure_future(hasher.verify("anything", None))
    await asyncio.sleep(0)  # the first login now waits on the dummy being made
    first.cancel()
    assert not await hasher.verify("anything", None)


async def test_a_failed_dummy_hash_is_made_again_by_the_next_login() -> None:
    hasher = PasswordHasher(max_concurrent=2)
    real_hash = hasher._hash.hash
    attempts = 0

    def failing_once(password: str) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise MemoryError("no room for 19 MiB")
        return real_hash(password)

    hasher._hash.hash = failing_once  # type: ignore[method-assign,assignment]
    hasher.warm_up()
    with pytest.raises(MemoryError):
        await hasher.verify("anything", None)
    assert not await hasher.verify("anything", None)
    assert attempts == 2


def test_warming_up_outside_an_event_loop_fails_and_makes_nothing() -> None:
    hasher = PasswordHasher(max_concurrent=1)
    with pytest.raises(RuntimeError):
        hasher.warm_up()
    assert hasher._dummy_hash is None


async def test_one_password_typed_on_two_keyboards_is_one_password() -> None:
    hasher = PasswordHasher(max_concurrent=1)
    composed, decomposed = "Mot de passe d\u00e9vers", "Mot de passe de\u0301vers"
    stored = await hasher.hash(decomposed)
    assert await hasher.verify(composed, stored)
    assert await hasher.verify(decomposed, stored)
    wide = await hasher.hash("\uff30\uff41\uff53\uff53 1234")  # full-width "Pass"
    assert await hasher.verify("Pass 1234", wide)
    assert not await hasher.verify("pass 1234", wide)


async def test_a_hash_made_before_normalising_still_verifies() -> None:
    hasher = PasswordHasher(max_concurrent=1)
    raw = "\uff30\uff41\uff53\uff53 de\u0301vers"  # NFKC changes it
    legacy = hasher._hash.hash(raw)  # as `hash` made it before passwords were normalised
    assert await hasher.verify(raw, legacy)
    assert not await hasher.verify("Pass d\u00e9vers", legacy)  # another form: not before
    assert not await hasher.verify(raw + "x", legacy)

"""The collector pause around the service's start-up (api.startup_gc)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api.startup_gc import collector_paused


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_paused_inside_then_running_with_what_was_built_frozen() -> None:
    gc.enable()
    frozen_before = gc.get_freeze_count()
    with collector_paused():
        assert not gc.isenabled()
        built = [[n] for n in range(1000)]  # long-lived containers, as imports make
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(built)


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_resumes_when_start_up_fails() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the configuration was refused")
    assert gc.isenabled()

import gc

import pytest

from monps.bulk import gc_paused


def pause_and_fail(seen: list[bool]) -> None:
    with gc_paused():
        seen.append(gc.isenabled())
        raise RuntimeError("boom")


def test_gc_paused_disables_collection_inside_and_restores_it_after_an_error():
    seen: list[bool] = []
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        pause_and_fail(seen)
    assert seen == [False]
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_made_while_paused_skip_the_youngest_generation():
    gc.collect()
    with gc_paused():
        made = [[i] for i in range(50_000)]
    young, _, _ = gc.get_count()
    # Left in the youngest generation, the first collection after the block would walk all 50,000.
    assert young < 1_000
    assert len(made) == 50_000

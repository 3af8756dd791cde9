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
    assert young < 10_000
    assert len(made) == 50_000


def test_gc_paused_keeps_what_was_frozen_for_good_frozen():
    frozen = [[i] for i in range(1_000)]
    gc.freeze()
    try:
        with gc_paused():
            made = [[i] for i in range(1_000)]
        # Still in the permanent generation, which get_objects() does not list. (Not the freeze
        # count: any frozen object that some other code lets go of meanwhile lowers it.)
        tracked = {id(o) for o in gc.get_objects()}
        assert id(frozen) not in tracked
        assert not any(id(item) in tracked for item in frozen)
        assert len(made) == len(frozen)
    finally:
        gc.unfreeze()


def test_a_web_worker_freezes_what_it_loaded():
    import subprocess
    import sys

    code = "import gc, monps.wsgi; print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) > 10_000

"""Helpers for work on many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles.

    Decoding and parsing a 100,000-price response creates hundreds of thousands of containers; each
    few hundred allocations start a collection that walks all of them again. Measured: decoding
    0.23 s -> 0.04 s, parsing 0.27 s -> 0.13 s. On the way out the new objects join the oldest
    generation directly (freeze, then unfreeze): left in the youngest, the first collection after
    the block would walk them all at once (20-80 ms). Reference counting still frees them as usual;
    cycles made meanwhile wait for the next full collection.
    """
    was_enabled = gc.isenabled()
    # unfreeze() would also release what someone else froze for good (monps/wsgi.py does, in web
    # processes): there, the new objects stay young.
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not frozen_before:
                gc.freeze()
                gc.unfreeze()
            gc.enable()

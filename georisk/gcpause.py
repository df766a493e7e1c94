"""Pausing Python's cyclic garbage collector around a burst of allocations.

A batch (5,000 position reports) allocates a great many short-lived objects and no
reference cycles; the collections they trigger would walk every long-lived object
of the process again and again, for nothing. Reference counting still frees them.

It pays: without the pause a 5,000-position batch took 1.12 times as long end to end
(`tests.bench.bench_ab`, both versions served side by side, 20 alternated rounds:
medians 134 and 150 ms). The collector is off for the whole process while a batch is
applied, stream threads included: a pause of one batch (about 150 ms) allocates too
little elsewhere to matter, and collection resumes as the batch ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collect no cycles inside the block (nesting is fine: the outermost resumes)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

"""Pausing Python's cyclic garbage collector around a burst of allocations.

A batch (5,000 position reports) allocates a great many short-lived objects and no
reference cycles; the collections they trigger would walk every long-lived object
of the process again and again, for nothing. Reference counting still frees them.
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

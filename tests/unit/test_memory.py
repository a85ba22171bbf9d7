"""After start-up the long-running bot freezes its survivors and trims the heap."""

from __future__ import annotations

import gc

from bot import memory


def test_settle_moves_the_survivors_out_of_the_collectors_way() -> None:
    gc.unfreeze()
    survivor = [object() for _ in range(1000)]
    try:
        memory.settle()
        assert gc.get_freeze_count() >= len(survivor)
        before = len(gc.get_objects())
        assert before < gc.get_freeze_count()  # a full collection walks only the rest
    finally:
        gc.unfreeze()

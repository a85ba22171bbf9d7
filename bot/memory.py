"""Settle the process's memory once the bot has started.

Start-up leaves a heap of long-lived objects (jieba's dictionary, the index readers, the
ORM's mappers and PTB's classes) and a heap of freed garbage (the starter import, Alembic,
the index warm-up). Two things follow for a long-running bot:

- every full garbage collection walks the long-lived objects again: ~80 ms with jieba's
  dictionary loaded, a pause the event loop cannot answer anyone in. `gc.freeze()` moves
  what is alive after start-up out of the collector's way (the CPython docs recommend it
  for long-running servers), so later collections only walk objects made since. The
  price: an object alive at start-up that later becomes cyclic garbage is not reclaimed —
  what start-up keeps alive (modules, dictionaries, the engine, the application) lives as
  long as the process anyway;
- the allocator keeps the freed pages. `malloc_trim(0)` hands them back to the system so
  the idle bot's resident memory is what it really uses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)


def settle() -> None:
    """Collect once, freeze the survivors and return freed heap pages to the system."""
    gc.collect()
    gc.freeze()
    _trim_heap()


def _trim_heap() -> None:
    """glibc's malloc_trim(0); nothing on other C libraries."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    logger.debug("heap trimmed")

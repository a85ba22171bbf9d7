"""Requests that arrive in the same moment, decided together in one go (group commit).

When a card goes up, fifty technicians press 「认领」 within the same second. Deciding each
press in a transaction of its own costs a transaction — reads, writes, a commit and their
round trips — per press; deciding every press that is waiting in one transaction costs one,
plus a little per press. A request joins the open batch; the batch is decided at the next
turn of the event loop, so a request alone waits no longer than before, and requests that
arrive while a batch is being decided form the next one.

The decision runs inline on the event loop (it may hold row locks: see bot.db_work for why
such work must not be suspended), so a batch is capped to keep the loop's pause short.

A decision has two steps. `decide` makes it (one transaction): if it raises, nothing it
decided stands, and each of the batch's requests is decided again alone, so one request
that cannot be decided fails by itself and does not take its neighbours down with it.
`conclude` turns each stands-decided request into its requester's answer, after the commit:
if it raises, that requester gets the error and nothing is decided again — deciding a
committed request a second time would tell a winner that the ticket is taken (by them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
logger = logging.getLogger(__name__)

#: Requests decided in one go at most; the rest wait for the next turn of the loop.
LIMIT = 100


def _as_is(_request: Any, decided: Any) -> Any:
    return decided


class Batches(Generic[T, R]):
    """`await batches.submit(request)` → the answer its batch's decision gave it.

    `decide(requests)` makes the decision of a batch and returns one decision per request,
    in order; raising means none of them stands (its transaction did not commit).
    `conclude(request, decision)` → that requester's answer, after the commit (default: the
    decision itself); raising fails that requester alone. Both are called on the event
    loop's thread, never concurrently with themselves.
    """

    def __init__(self, decide: Callable[[Sequence[T]], Sequence[Any]], *,
                 conclude: Callable[[T, Any], R] = _as_is, limit: int = LIMIT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._decide = decide
        self._conclude = conclude
        self._limit = limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._scheduled = False

    async def submit(self, request: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((request, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._decide_waiting)
        return await future

    def _decide_waiting(self) -> None:
        batch, self._waiting = self._waiting[:self._limit], self._waiting[self._limit:]
        try:
            self._decide_batch([(request, future) for request, future in batch
                                if not future.done()])
        finally:
            # the rest at a later turn: this batch's requesters resume (and answer) first
            self._scheduled = bool(self._waiting)
            if self._scheduled:
                asyncio.get_running_loop().call_soon(self._decide_waiting)

    def _decide_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        if not batch:
            return
        try:
            decided = self._decide([request for request, _ in batch])
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0][1], error)
                return
            logger.warning("deciding %d requests together failed (%s); deciding each alone",
                           len(batch), error)
            for request, future in batch:
                try:
                    alone = self._decide([request])
                except Exception as failure:
                    _fail(future, failure)
                else:
                    self._settle([(request, future)], alone)
            return
        self._settle(batch, decided)

    def _settle(self, batch: list[tuple[T, asyncio.Future[R]]],
                decided: Sequence[Any]) -> None:
        if len(decided) != len(batch):  # a bug in decide; what it committed stands
            error = RuntimeError(f"decided {len(decided)} of {len(batch)} requests")
            for _, future in batch:
                _fail(future, error)
            return
        for (request, future), decision in zip(batch, decided, strict=True):
            self._answer(request, future, decision)

    def _answer(self, request: T, future: asyncio.Future[R], decision: Any) -> None:
        """The decision stands (committed): conclude it, never decide it again."""
        if future.done():
            return
        try:
            future.set_result(self._conclude(request, decision))
        except Exception as error:
            logger.exception("concluding a decided request failed")
            _fail(future, error)


def _fail(future: asyncio.Future[R], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)

"""Group commit: requests of the same moment decided together, each requester its answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.batches import Batches


class Recorder:
    """decide(): each request doubled; a request of -1 cannot be decided."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.answered_before: list[int] = []  # answers the requesters had seen at each call
        self.seen: list[int] = []

    def __call__(self, requests: Sequence[int]) -> list[int]:
        self.calls.append(list(requests))
        self.answered_before.append(len(self.seen))
        if -1 in requests:
            raise ValueError("cannot decide -1")
        return [request * 2 for request in requests]

    async def ask(self, batches: Batches[int, int], request: int) -> int:
        answer = await batches.submit(request)
        self.seen.append(answer)
        return answer


async def test_requests_of_the_same_moment_are_decided_in_one_call() -> None:
    decide = Recorder()
    batches = Batches(decide)
    answers = await asyncio.gather(*(decide.ask(batches, n) for n in range(5)))
    assert answers == [0, 2, 4, 6, 8]
    assert decide.calls == [[0, 1, 2, 3, 4]]
    assert await batches.submit(7) == 14  # a request alone is decided alone, at once
    assert decide.calls[-1] == [7]


async def test_a_full_batch_leaves_the_rest_for_after_its_requesters_were_answered() -> None:
    decide = Recorder()
    batches = Batches(decide, limit=2)
    answers = await asyncio.gather(*(decide.ask(batches, n) for n in range(5)))
    assert answers == [0, 2, 4, 6, 8]
    assert decide.calls == [[0, 1], [2, 3], [4]]
    assert decide.answered_before == [0, 2, 4]


async def test_a_request_that_cannot_be_decided_fails_alone() -> None:
    decide = Recorder()
    batches = Batches(decide)
    results = await asyncio.gather(*(batches.submit(n) for n in (1, -1, 3)),
                                   return_exceptions=True)
    assert results[0] == 2 and results[2] == 6
    assert isinstance(results[1], ValueError)
    assert decide.calls == [[1, -1, 3], [1], [-1], [3]]


async def test_a_requester_that_went_away_is_not_decided_for() -> None:
    decide = Recorder()
    batches = Batches(decide)
    gone = asyncio.ensure_future(batches.submit(1))
    staying = asyncio.ensure_future(batches.submit(2))
    await asyncio.sleep(0)  # both are waiting now
    gone.cancel()
    assert await staying == 4
    assert decide.calls == [[2]]


def test_a_batch_holds_at_least_one_request() -> None:
    with pytest.raises(ValueError):
        Batches(Recorder(), limit=0)


async def test_a_decision_that_stands_is_never_decided_again() -> None:
    """Deciding succeeded (committed); concluding one request failed: that request gets the
    error, the others their answers, and nothing is decided a second time."""
    decide = Recorder()

    def conclude(request: int, decided: int) -> int:
        if request == 2:
            raise RuntimeError("injected after the commit")
        return decided + 1

    batches = Batches(decide, conclude=conclude)
    results = await asyncio.gather(*(batches.submit(n) for n in (1, 2, 3)),
                                   return_exceptions=True)
    assert results[0] == 3 and results[2] == 7
    assert isinstance(results[1], RuntimeError)
    assert decide.calls == [[1, 2, 3]]


async def test_a_decision_of_the_wrong_length_fails_the_batch_without_deciding_again() -> None:
    calls: list[list[int]] = []

    def decide(requests: Sequence[int]) -> list[int]:
        calls.append(list(requests))
        return [0]

    batches: Batches[int, int] = Batches(decide)
    results = await asyncio.gather(*(batches.submit(n) for n in (1, 2)),
                                   return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in results)
    assert calls == [[1, 2]]

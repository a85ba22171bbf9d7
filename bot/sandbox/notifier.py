"""A version counter that coroutines can wait on (long polls in the emulator and web page)."""

from __future__ import annotations

import asyncio


class Notifier:
    """Monotonic version number; `wait()` returns once it passes a given value."""

    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._waiters: set[asyncio.Future[None]] = set()

    def bump(self) -> int:
        """Increase the version and wake every waiter."""
        self.version += 1
        self.wake()
        return self.version

    def wake(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def close(self) -> None:
        """Release all waiters now and make future waits return at once."""
        self.closed = True
        self.wake()

    def reopen(self) -> None:
        """Allow waiting again after close()."""
        self.closed = False

    async def wait_once(self, timeout: float) -> None:
        """Sleep until the next wake-up or `timeout` seconds, whichever comes first."""
        if self.closed or timeout <= 0:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def wait(self, since: int, timeout: float) -> int:
        """Return the version once it exceeds `since`, after `timeout` s, or when closed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.version <= since and not self.closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self.wait_once(remaining)
        return self.version

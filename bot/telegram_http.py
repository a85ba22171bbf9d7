"""The Bot API transport for the bot's own calls: python-telegram-bot's BaseRequest on aiohttp.

PTB's default transport (httpx) spends about 2 ms of CPU per request once many requests are
in flight — its connection pool rescans every connection for every request — which is most
of what a button press costs when fifty technicians press at once (see docs/BENCHMARKS.md,
"Claims"). aiohttp, already used by the sandbox, needs about a tenth of that. Long polling
(getUpdates, one request at a time) keeps PTB's default transport.

Errors map as in PTB's own transport: timeouts are TimedOut, every other client error is
NetworkError; HTTP error statuses are returned and PTB turns them into its exceptions.

DeskRateLimiter keeps the bot within Telegram's flood limits and gives direct replies
precedence over background messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Send Bot API requests with one shared aiohttp session."""

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_read_timeout",
                 "_session", "_write_timeout")

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = self._given(read_timeout, self._read_timeout)
        write = self._given(write_timeout, self._media_write_timeout if files
                            else self._write_timeout)
        connect = self._given(connect_timeout, self._connect_timeout)
        # aiohttp has no write timeout: the read timeout starts once the request is sent, so
        # give the whole exchange the sum as an upper bound.
        total = None if read is None or write is None else read + write + (connect or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        try:
            async with self._session.request(method, url, data=_body(request_data),
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # asyncio.TimeoutError and aiohttp's timeouts
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    @staticmethod
    def _given(value: object, default: float | None) -> float | None:
        """The timeout passed for this call, or the default (PTB passes DEFAULT_NONE)."""
        if isinstance(value, type(BaseRequest.DEFAULT_NONE)):
            return default
        return value  # type: ignore[return-value]


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields, or multipart form data when files are uploaded (as PTB's httpx does)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


BACKGROUND = "background"  # rate_limit_args of the messages nobody is waiting for


class DeskRateLimiter(BaseRateLimiter[str]):
    """Telegram's flood limits, with room kept for the replies people are waiting for.

    Every message counts against 30 a second overall (a leaky bucket, as aiolimiter's) and,
    into a group, 20 a minute (aiolimiter, as PTB's AIORateLimiter). Messages sent in the
    background — the outbox, card edits: `rate_limit_args=BACKGROUND` — may fill the overall
    bucket only up to OVERALL - RESERVE: the rest is for direct replies, so a person's reply
    does not queue behind a burst of notifications and cards (PTB's limiter serves everything
    in one queue). A 429 holds every request back for the time Telegram
    asked, then the request is tried once more (`max_retries`).
    """

    OVERALL = 30.0  # messages per second, all chats
    # never filled by background messages: 20 people acting at once are answered at once.
    # It limits only the background's burst — the bucket drains at 30 a second, so the outbox
    # still sends 30 a second (it paces itself at 28) when nobody is waiting for a reply.
    RESERVE = 20.0
    GROUP = (20, 60)  # messages per seconds into one group

    def __init__(self, max_retries: int = 1) -> None:
        self.max_retries = max_retries
        self._level = 0.0
        self._last = 0.0
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._clear = asyncio.Event()
        self._clear.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]],
                              args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: str | None) -> Any:
        chat_id = data.get("chat_id")
        capacity = self.OVERALL - (self.RESERVE if rate_limit_args == BACKGROUND else 0)
        for attempt in range(self.max_retries + 1):
            await self._clear.wait()
            if chat_id is not None:
                if _is_group(chat_id):
                    await self._group(chat_id).acquire()
                await self._take(capacity)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                self._clear.clear()  # everyone waits what Telegram asked
                try:
                    await asyncio.sleep(_seconds(error.retry_after) + 0.1)
                finally:
                    self._clear.set()
        raise AssertionError("unreachable")

    async def _take(self, capacity: float) -> None:
        """One place in the overall bucket, once its level allows (below `capacity`)."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            self._level = max(0.0, self._level - (now - self._last) * self.OVERALL)
            self._last = now
            if self._level + 1 <= capacity:
                self._level += 1
                return
            await asyncio.sleep((self._level + 1 - capacity) / self.OVERALL)

    def _group(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._groups.get(chat_id)
        if limiter is None:
            limiter = self._groups[chat_id] = AsyncLimiter(*self.GROUP)
        return limiter


def _is_group(chat_id: object) -> bool:
    """Groups have negative ids (a string id is a channel or supergroup username)."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return True
    return isinstance(chat_id, int) and chat_id < 0


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return total() if callable(total) else float(retry_after)  # type: ignore[arg-type]

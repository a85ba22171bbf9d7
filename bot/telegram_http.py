"""The Bot API transport for the bot's own calls: python-telegram-bot's BaseRequest on aiohttp.

PTB's default transport (httpx) spends about 2 ms of CPU per request once many requests are
in flight — its connection pool rescans every connection for every request — which is most
of what a button press costs when fifty technicians press at once (see docs/BENCHMARKS.md,
"Claims"). aiohttp, already used by the sandbox, needs about a tenth of that. Long polling
(getUpdates, one request at a time) keeps PTB's default transport.

Errors map as in PTB's own transport: timeouts are TimedOut, every other client error is
NetworkError; HTTP error statuses are returned and PTB turns them into its exceptions.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
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

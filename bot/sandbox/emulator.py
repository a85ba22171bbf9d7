"""A Telegram Bot API emulator on 127.0.0.1: the real bot talks to it over HTTP in the sandbox."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox import methods_media, methods_messages, methods_misc
from bot.sandbox.errors import NOT_FOUND, UNAUTHORIZED, ApiError, DropConnection
from bot.sandbox.faults import Faults
from bot.sandbox.params import loggable, read_params
from bot.sandbox.state import SandboxState
from bot.sandbox.transcript import Transcripts
from bot.sandbox.user_side import UserSide

logger = logging.getLogger(__name__)

Method = Callable[[SandboxState, dict[str, Any]], Awaitable[Any]]
METHODS: dict[str, Method] = {
    **methods_misc.METHODS,
    **methods_messages.METHODS,
    **methods_media.METHODS,
}
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"  # noqa: E501


class _Clock(Protocol):
    def now(self) -> Any: ...


@dataclass(frozen=True)
class CallRecord:
    """One Bot API request the bot made, for assertions."""

    method: str
    params: dict[str, Any]
    time: float
    status: int | None
    description: str | None
    duration: float


class BotApiEmulator(UserSide, Transcripts):
    """Serves the Bot API over HTTP and lets tests act as Telegram users."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "123456:SANDBOX",
        bot_username: str = "govdesk_bot",
        *,
        bot_name: str = "政务运维服务台",
        clock: _Clock | None = None,
        privacy_mode: bool = False,
    ) -> None:
        bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        state = SandboxState(bot_user, clock.now if clock is not None else None)
        super().__init__(state, bot_username, privacy_mode)
        self.host, self.port, self.token = host, port, token
        self.faults = Faults(on_change=state.update_signal.wake)
        self.calls: list[CallRecord] = []
        self._poll_generation = 0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """Return the URL to pass to ApplicationBuilder().base_url()."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the URL to pass to ApplicationBuilder().base_file_url()."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Start serving; with port=0 a free port is chosen and stored in .port."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing.clear()
        self.state.update_signal.reopen()
        self.state.changes.reopen()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.info("Bot API emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        """Release held long polls and fault holds, then shut the server down."""
        self._closing.set()
        self.state.update_signal.close()
        self.state.changes.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return the logged calls of one Bot API method (case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        """Answer one Bot API request, applying faults and logging it."""
        method = request.match_info["method"]
        started = time.monotonic()
        params: dict[str, Any] = {}
        try:
            await self._network_gate()
            if request.match_info["token"] != self.token:
                raise UNAUTHORIZED
            params = await read_params(request)
            await self._injected_fault(method)
            status, body = 200, {"ok": True, "result": await self._dispatch(method, params)}
        except ApiError as error:
            status, body = error.status, error.payload()
        except DropConnection:
            self._log(method, params, started, None, "connection dropped")
            return _drop(request)
        if request.transport is None or request.transport.is_closing():
            self._log(method, params, started, None, f"client gone before answer {status}")
        else:
            self._log(method, params, started, status, body.get("description"))
        return web.json_response(body, status=status)

    def _log(
        self,
        method: str,
        params: dict[str, Any],
        started: float,
        status: int | None,
        description: str | None,
    ) -> None:
        """Append a CallRecord."""
        duration = time.monotonic() - started
        record = CallRecord(method, loggable(params), started, status, description, duration)
        self.calls.append(record)
        if status not in (200, None):
            logger.debug("%s -> %s %s", method, status, description)

    async def _network_gate(self) -> None:
        """Fail every request while the emulated Telegram is down."""
        if self.faults.down:
            if self.faults.down_mode == "502":
                raise ApiError(502, "Bad Gateway")
            raise DropConnection

    async def _injected_fault(self, method: str) -> None:
        """Apply a planned fault for this call, if any."""
        fault = self.faults.take(method)
        if fault is None:
            return
        if fault.kind == "429":
            raise ApiError(
                429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
            )
        if fault.kind in ("500", "502"):
            phrase = "Internal Server Error" if fault.kind == "500" else "Bad Gateway"
            raise ApiError(int(fault.kind), phrase)
        if fault.kind == "timeout":
            try:
                await asyncio.wait_for(self._closing.wait(), self.faults.timeout_hold)
            except TimeoutError:
                pass
        raise DropConnection

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        """Run the Bot API method, after Telegram's flood limits."""
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        handler = METHODS.get(name)
        if handler is None:
            logger.warning("Bot API method %s is not emulated: answering 404", method)
            raise NOT_FOUND
        retry_after = self.faults.rate_limits.check(method, params.get("chat_id"))
        if retry_after is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return await handler(self.state, params)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then hold the request until updates or timeout."""
        state = self.state
        state.set_allowed_updates(params.get("allowed_updates"))
        _confirm(state, params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        state.update_signal.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(float(params.get("timeout") or 0), 0.0)
        while not state.updates and not state.update_signal.closed:
            await self._network_gate()
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT)
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await state.update_signal.wait_once(remaining)
        return copy.deepcopy(state.updates[:limit])

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve a stored file's bytes at /file/bot<token>/<file_path>."""
        if self.faults.down:
            return _drop(request)
        if request.match_info["token"] != self.token:
            return web.json_response(UNAUTHORIZED.payload(), status=401)
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(NOT_FOUND.payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)


def _confirm(state: SandboxState, offset: Any) -> None:
    """Forget updates the bot confirmed with `offset` (negative: keep only the last -offset)."""
    if not offset:
        return
    offset = int(offset)
    if offset > 0:
        state.updates[:] = [u for u in state.updates if u["update_id"] >= offset]
    else:
        del state.updates[: max(len(state.updates) + offset, 0)]


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the client's connection without answering."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=502)

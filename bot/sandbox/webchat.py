"""The sandbox web chat page: act as any persona, press buttons, move the desk clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import AdjustableClock
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.personas import Persona
from bot.sandbox.webchat_http import (
    PageError,
    json_body,
    json_errors,
    keyboard_rows,
    read_upload,
    reply_id,
    until_stopped,
)
from bot.sandbox.webchat_view import message_view, preview

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
LONG_POLL_SECONDS = 25.0
ANSWER_WAIT_SECONDS = 4.0
MAX_ADVANCE_MINUTES = 7 * 24 * 60


class WebChat:
    """Serves the chat page and its JSON API next to a BotApiEmulator."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        personas: list[Persona],
        clock: AdjustableClock,
        on_clock_advanced: Callable[[], Awaitable[None]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        timezone: ZoneInfo | None = None,
        timezone_label: str = "北京时间",
        title: str = "政务运维服务台 · 沙盒",
    ) -> None:
        self.emulator = emulator
        self.personas = {persona.telegram_id: persona for persona in personas}
        self.clock = clock
        self.on_clock_advanced = on_clock_advanced
        self.host, self.port = host, port
        self.zone = timezone or ZoneInfo("Asia/Shanghai")
        self.zone_label = timezone_label
        self.title = title
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the page's address."""
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Register missing personas and groups with the emulator, then serve the page."""
        self._register_personas()
        app = web.Application(client_max_size=20 * 1024 * 1024, middlewares=[json_errors])
        routes = [
            web.get("/", self._index),
            web.get("/api/personas", self._personas),
            web.get("/api/chats", self._chats),
            web.get("/api/messages", self._messages),
            web.get("/api/updates", self._updates),
            web.get("/api/clock", self._clock),
            web.get("/api/file/{file_id}", self._file),
            web.post("/api/send", self._send),
            web.post("/api/upload", self._upload),
            web.post("/api/press", self._press),
            web.post("/api/clock/advance", self._advance),
        ]
        app.add_routes(routes)
        app.router.add_static("/static/", STATIC_DIR)
        self._stopping.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        logger.info("Sandbox web chat at %s", self.url)

    async def stop(self) -> None:
        """Release the page's long polls and stop serving."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _register_personas(self) -> None:
        """Add personas and their group chats to the emulator unless the caller already did."""
        groups: dict[int, tuple[str, list[int]]] = {}
        for persona in self.personas.values():
            for chat_id, _title in persona.chats:
                if chat_id > 0 and chat_id != persona.telegram_id:
                    raise ValueError(f"{persona.name}: a private chat id must be the persona's id")
            if not self.emulator.has_user(persona.telegram_id):
                self.emulator.add_user(
                    persona.telegram_id, persona.name, username=persona.username
                )
            for chat_id, title in persona.chats:
                if chat_id < 0:
                    groups.setdefault(chat_id, (title, []))[1].append(persona.telegram_id)
        for chat_id, (title, members) in groups.items():
            if not self.emulator.has_chat(chat_id):
                self.emulator.add_group(chat_id, title, members)

    def _persona(self, request: web.Request, data: dict[str, Any] | None = None) -> Persona:
        """Return the persona a request acts as."""
        raw = (data or {}).get("persona", request.query.get("persona"))
        try:
            return self.personas[int(str(raw))]
        except (KeyError, ValueError):
            raise PageError(404, "未知身份") from None

    def _chat_of(self, persona: Persona, raw: Any) -> int:
        """Return a chat id the persona may see, or refuse."""
        try:
            chat_id = int(str(raw))
        except ValueError:
            raise PageError(400, "会话编号无效") from None
        if not persona.sees(chat_id):
            raise PageError(403, "该身份看不到这个会话")
        return chat_id

    async def _index(self, request: web.Request) -> web.StreamResponse:
        """Serve the page."""
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _personas(self, request: web.Request) -> web.Response:
        """List the personas."""
        return web.json_response(
            {"title": self.title, "personas": [p.to_json() for p in self.personas.values()]}
        )

    async def _chats(self, request: web.Request) -> web.Response:
        """List the chats of a persona with their last message."""
        persona = self._persona(request)
        chats = []
        for chat_id, title in persona.chats:
            transcript = self.emulator.messages(chat_id)
            chats.append(
                {
                    "chat_id": chat_id,
                    "title": title,
                    "kind": "private" if chat_id > 0 else "group",
                    "version": self.emulator.chat_version(chat_id),
                    "last": preview(transcript[-1]) if transcript else "",
                }
            )
        return web.json_response({"chats": chats})

    async def _messages(self, request: web.Request) -> web.Response:
        """Return a chat's transcript as the persona sees it."""
        persona = self._persona(request)
        chat_id = self._chat_of(persona, request.query.get("chat_id"))
        now = self.clock.now()
        views = [
            message_view(m, persona.telegram_id, self.zone, now)
            for m in self.emulator.messages(chat_id)
        ]
        return web.json_response(
            {
                "chat_id": chat_id,
                "version": self.emulator.chat_version(chat_id),
                "reply_keyboard": keyboard_rows(self.emulator.reply_keyboard(chat_id)),
                "messages": views,
            }
        )

    async def _updates(self, request: web.Request) -> web.Response:
        """Long poll: answer once anything changed after ?since=N (or after ~25 s)."""
        since = int(request.query.get("since", "-1"))
        timeout = min(float(request.query.get("timeout", LONG_POLL_SECONDS)), LONG_POLL_SECONDS)
        await until_stopped(self.emulator.wait_changes(since, timeout), self._stopping)
        versions = {
            str(chat_id): self.emulator.chat_version(chat_id)
            for persona in self.personas.values()
            for chat_id, _title in persona.chats
        }
        return web.json_response(
            {"version": self.emulator.version, "chats": versions, "clock": self._clock_json()}
        )

    async def _send(self, request: web.Request) -> web.Response:
        """Send a text message as the persona."""
        data = await json_body(request)
        persona = self._persona(request, data)
        chat_id = self._chat_of(persona, data.get("chat_id"))
        text = str(data.get("text") or "").strip()
        if not text:
            raise PageError(400, "消息不能为空")
        message = await self.emulator.send_text(
            persona.telegram_id, chat_id, text, reply_id(data.get("reply_to"))
        )
        return web.json_response({"message_id": message["message_id"]})

    async def _upload(self, request: web.Request) -> web.Response:
        """Send an uploaded image as a photo, anything else as a document."""
        fields, upload = await read_upload(request)
        persona = self._persona(request, fields)
        chat_id = self._chat_of(persona, fields.get("chat_id"))
        if upload is None:
            raise PageError(400, "没有选择文件")
        name, ctype, data = upload
        caption = fields.get("caption") or None
        reply_to = reply_id(fields.get("reply_to"))
        if ctype.startswith("image/") and ctype != "image/svg+xml":
            message = await self.emulator.send_photo(
                persona.telegram_id, chat_id, data, caption, name, reply_to
            )
        else:
            message = await self.emulator.send_document(
                persona.telegram_id, chat_id, data, name, caption, ctype, reply_to
            )
        return web.json_response({"message_id": message["message_id"]})

    async def _press(self, request: web.Request) -> web.Response:
        """Press an inline button as the persona and return the bot's answer, if any."""
        data = await json_body(request)
        persona = self._persona(request, data)
        chat_id = self._chat_of(persona, data.get("chat_id"))
        try:
            query_id = await self.emulator.press_button(
                persona.telegram_id, chat_id, int(data.get("message_id", 0)), str(data.get("data"))
            )
        except LookupError:
            raise PageError(409, "按钮已失效，请刷新") from None
        answer = await until_stopped(
            self.emulator.wait_for_answer(query_id, ANSWER_WAIT_SECONDS), self._stopping
        )
        return web.json_response({"callback_query_id": query_id, "answer": answer})

    async def _clock(self, request: web.Request) -> web.Response:
        """Return the desk time."""
        return web.json_response(self._clock_json())

    async def _advance(self, request: web.Request) -> web.Response:
        """Move the desk clock forward, then let the desk run what became due."""
        data = await json_body(request)
        try:
            minutes = int(data.get("minutes", 0))
        except (TypeError, ValueError):
            raise PageError(400, "分钟数无效") from None
        if not 0 < minutes <= MAX_ADVANCE_MINUTES:
            raise PageError(400, "只能快进 1 分钟到 7 天")
        self.clock.advance(timedelta(minutes=minutes))
        try:
            if self.on_clock_advanced is not None:
                await self.on_clock_advanced()
        except Exception as error:
            logger.exception("running due work after the clock moved failed")
            raise PageError(500, f"时钟已快进，但到期任务执行失败：{error}") from error
        finally:
            self.emulator.poke()
        return web.json_response(self._clock_json())

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """Serve a stored photo or document."""
        stored = self.emulator.file(request.match_info["file_id"])
        if stored is None:
            raise PageError(404, "文件不存在")
        disposition = "inline" if stored.mime_type.startswith("image/") else "attachment"
        name = quote(stored.file_name)
        headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"}
        if stored.mime_type == "image/svg+xml":
            headers["Content-Security-Policy"] = "sandbox"
        return web.Response(body=stored.data, content_type=stored.mime_type, headers=headers)

    def _clock_json(self) -> dict[str, Any]:
        """Return the desk time for the page."""
        now = self.clock.now()
        local = now.astimezone(self.zone)
        offset = local.utcoffset() or timedelta(0)
        return {
            "epoch_ms": int(now.timestamp() * 1000),
            "utc_offset_minutes": int(offset.total_seconds() // 60),
            "text": local.strftime("%Y-%m-%d %H:%M"),
            "zone_label": self.zone_label,
        }

"""HTTP plumbing of the sandbox page: JSON errors, request bodies, stoppable long polls."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox.params import upload_name

logger = logging.getLogger(__name__)
T = TypeVar("T")


class PageError(Exception):
    """A request the page should not have made; answered as JSON {"error": ...}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def keyboard_rows(markup: dict[str, Any] | None) -> list[list[str]]:
    """Return the button texts of a reply keyboard."""
    if not markup:
        return []
    return [
        [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
        for row in markup.get("keyboard", [])
    ]


def reply_id(raw: Any) -> int | None:
    """Return a reply-to message id from the page, if given."""
    if raw in (None, "", 0, "0"):
        return None
    try:
        return int(str(raw))
    except ValueError:
        raise PageError(400, "回复的消息编号无效") from None


async def json_body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body."""
    try:
        data = await request.json()
    except (ValueError, json.JSONDecodeError):
        raise PageError(400, "请求不是 JSON") from None
    if not isinstance(data, dict):
        raise PageError(400, "请求不是 JSON 对象")
    return data


async def read_upload(
    request: web.Request,
) -> tuple[dict[str, str], tuple[str, str, bytes] | None]:
    """Return the text fields and the single file of a multipart upload."""
    fields: dict[str, str] = {}
    upload: tuple[str, str, bytes] | None = None
    reader = await request.multipart()
    async for part in reader:
        if part.name is None or not hasattr(part, "read"):
            continue
        data = bytes(await part.read(decode=False))
        if part.filename:
            ctype = part.headers.get("Content-Type", "application/octet-stream")
            upload = (upload_name(part.filename), ctype, data)
        else:
            fields[part.name] = data.decode("utf-8")
    return fields, upload


async def until_stopped(work: Coroutine[Any, Any, T], stopping: asyncio.Event) -> T | None:
    """Run `work` but give up (returning None) as soon as the page server stops."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not task.done():
        task.cancel()
        return None
    return task.result()


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer PageError and bad input as JSON {"error": ...} for the page to show."""
    try:
        return await handler(request)
    except PageError as error:
        return web.json_response({"error": error.message}, status=error.status)
    except (KeyError, ValueError) as error:
        logger.warning("sandbox page request failed: %r", error)
        return web.json_response({"error": f"请求无效：{error}"}, status=400)

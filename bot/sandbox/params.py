"""Read Bot API parameters from JSON, form-urlencoded or multipart requests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.sandbox.errors import bad_request

_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "media",
    }
)
INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "user_id",
        "cache_time",
        "message_thread_id",
    }
)
CHAT_FIELDS = frozenset({"chat_id", "from_chat_id"})
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file the client uploaded in a multipart request."""

    filename: str
    content_type: str
    data: bytes

    def describe(self) -> str:
        """Return a short text for the call log."""
        return f"<upload {self.filename} {len(self.data)} bytes>"


async def read_params(request: web.Request) -> dict[str, Any]:
    """Collect the query string and body of a Bot API request into one typed dict."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        if request.can_read_body:
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
    elif request.content_type.startswith("multipart/"):
        raw.update(await _read_multipart(request))
    elif request.can_read_body:
        raw.update(await request.post())
    return _resolve_attachments({key: coerce(key, value) for key, value in raw.items()})


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    """Read every part of a multipart body; file parts become Upload objects."""
    fields: dict[str, Any] = {}
    reader = await request.multipart()
    async for part in reader:
        if part.name is None or not hasattr(part, "read"):
            continue
        data = await part.read(decode=False)
        if part.filename is not None:
            filename = upload_name(part.filename)
            ctype = part.headers.get("Content-Type", "application/octet-stream")
            fields[part.name] = Upload(filename, ctype, bytes(data))
        else:
            fields[part.name] = bytes(data).decode("utf-8")
    return fields


def upload_name(raw: str) -> str:
    """Return a multipart filename, undoing percent-encoding some clients apply."""
    return unquote(raw) if _PERCENT_RE.search(raw) else raw


def coerce(key: str, value: Any) -> Any:
    """Turn a string parameter into the type the Bot API documents for `key`."""
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {key} JSON object") from exc
    if key in INT_FIELDS or key in CHAT_FIELDS:
        try:
            return int(value)
        except ValueError:
            if key in CHAT_FIELDS:
                return value
        try:
            return int(float(value))
        except ValueError:
            raise bad_request(f"invalid {key} specified") from None
    if key in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
    """Replace 'attach://name' references by the uploaded part called name."""
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.get(value.removeprefix("attach://"))
            if not isinstance(upload, Upload):
                raise bad_request(f"file attachment for {key} is missing")
            params[key] = upload
    return params


def loggable(params: dict[str, Any]) -> dict[str, Any]:
    """Return params with uploads replaced by short descriptions."""
    return {k: (v.describe() if isinstance(v, Upload) else v) for k, v in params.items()}

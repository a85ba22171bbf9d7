"""Turn emulator transcripts into the JSON the sandbox page renders."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

PREVIEW_CHARS = 40
MEDIA_LABELS = {
    "photo": "[图片]",
    "document": "[文件]",
    "sticker": "[贴纸]",
    "voice": "[语音]",
}


def sender_name(sender: dict[str, Any]) -> str:
    """Return a display name for a Telegram User object."""
    parts = [sender.get("first_name") or "", sender.get("last_name") or ""]
    return " ".join(part for part in parts if part) or str(sender.get("id", ""))


def preview(message: dict[str, Any]) -> str:
    """Return a one-line summary of a message for chat lists and reply quotes."""
    if message.get("deleted"):
        return "消息已删除"
    text = message.get("text") or message.get("caption") or ""
    label = next((MEDIA_LABELS[key] for key in MEDIA_LABELS if key in message), "")
    summary = f"{label} {text}".strip() if label else text
    summary = " ".join(summary.split())
    return summary[:PREVIEW_CHARS] + ("…" if len(summary) > PREVIEW_CHARS else "")


def _buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Return inline keyboard rows with only what the page needs."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [
        [
            {"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
            for b in row
        ]
        for row in rows
    ]


def _media(message: dict[str, Any]) -> dict[str, Any]:
    """Return the page's description of the message's media, if any."""
    media: dict[str, Any] = {}
    if message.get("photo"):
        largest = message["photo"][-1]
        media["photo"] = {
            "url": f"/api/file/{largest['file_id']}",
            "width": largest.get("width", 0),
            "height": largest.get("height", 0),
        }
    if message.get("document"):
        doc = message["document"]
        media["document"] = {
            "name": doc.get("file_name") or "文件",
            "url": f"/api/file/{doc['file_id']}",
            "size": doc.get("file_size", 0),
        }
    if message.get("sticker"):
        media["sticker"] = message["sticker"].get("emoji") or "🖼"
    if message.get("voice"):
        media["voice"] = message["voice"].get("duration", 0)
    return media


def format_time(unix: int, zone: tzinfo, today: datetime) -> str:
    """Return HH:MM for today's messages, else MM-DD HH:MM, in the desk's time zone."""
    when = datetime.fromtimestamp(unix, zone)
    if when.date() == today.astimezone(zone).date():
        return when.strftime("%H:%M")
    return when.strftime("%m-%d %H:%M")


def message_view(
    message: dict[str, Any], persona_id: int, zone: tzinfo, now: datetime
) -> dict[str, Any]:
    """Return one transcript message as the page renders it."""
    sender = message.get("from", {})
    parent = message.get("reply_to_message")
    view: dict[str, Any] = {
        "id": message["message_id"],
        "from_bot": bool(message.get("from_bot")),
        "from_id": sender.get("id"),
        "from_name": sender_name(sender),
        "outgoing": sender.get("id") == persona_id,
        "time": format_time(int(message.get("date", 0)), zone, now),
        "text": message.get("text"),
        "entities": message.get("entities", []),
        "caption": message.get("caption"),
        "caption_entities": message.get("caption_entities", []),
        "buttons": _buttons(message),
        "edited": bool(message.get("edit_version")),
        "edit_version": message.get("edit_version", 0),
        "deleted": bool(message.get("deleted")),
        "reply_to": None,
        **_media(message),
    }
    if parent:
        view["reply_to"] = {
            "id": parent["message_id"],
            "from_name": sender_name(parent.get("from", {})),
            "preview": preview(parent),
        }
    return view

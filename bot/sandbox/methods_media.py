"""Bot API methods for photos, documents and file downloads."""

from __future__ import annotations

from typing import Any

from bot.sandbox.compose import formatted, require, sendable_chat
from bot.sandbox.errors import bad_request
from bot.sandbox.files import StoredFile
from bot.sandbox.methods_messages import deliver
from bot.sandbox.params import Upload
from bot.sandbox.state import SandboxState

WRONG_FILE = "wrong file identifier/HTTP URL specified"


def stored_file(state: SandboxState, value: Any, kind: str, default_name: str) -> StoredFile:
    """Return the file a send method refers to: a fresh upload or an existing file_id."""
    if isinstance(value, Upload):
        return state.files.put(
            value.data, kind, value.filename or default_name, value.content_type
        )
    if isinstance(value, str) and value:
        found = state.files.by_id(value)
        if found is not None:
            return found
        raise bad_request(WRONG_FILE)
    raise bad_request(f"there is no {kind[:-1]} in the request")


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    """Return the caption fields of a media message."""
    caption, entities = formatted(
        params.get("caption"),
        params.get("parse_mode"),
        params.get("caption_entities"),
        caption=True,
    )
    return {"caption": caption, "caption_entities": entities}


async def send_photo(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """sendPhoto: post a photo (upload or file_id) with an optional caption."""
    chat = sendable_chat(state, params.get("chat_id"))
    caption = _caption(params)
    photo = stored_file(state, params.get("photo"), "photos", "photo.jpg")
    return deliver(state, chat, params, {"photo": photo.photo_sizes(), **caption})


async def send_document(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """sendDocument: post a file (upload or file_id) with an optional caption."""
    chat = sendable_chat(state, params.get("chat_id"))
    caption = _caption(params)
    document = stored_file(state, params.get("document"), "documents", "file.bin")
    return deliver(state, chat, params, {"document": document.document(), **caption})


async def get_file(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """getFile: describe a stored file and where to download it."""
    found = state.files.by_id(str(require(params, "file_id")))
    if found is None:
        raise bad_request("invalid file_id")
    return found.file_object()


METHODS = {
    "sendphoto": send_photo,
    "senddocument": send_document,
    "getfile": get_file,
}

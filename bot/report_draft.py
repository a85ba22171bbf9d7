"""The report being written: validation of each answer, kept as plain data between steps."""

from __future__ import annotations

import secrets
from typing import Any

from bot.settings import IMPACTS, URGENCIES
from bot.tickets import Attachment, Report


class DraftError(ValueError):
    """An answer that cannot be accepted; the message is for the user."""


def new_draft() -> dict[str, Any]:
    """An empty draft with the token that makes its submission idempotent."""
    return {"token": secrets.token_urlsafe(9), "files": []}


def check_description(text: str, limit: int) -> str:
    """Trimmed description, or DraftError if it is empty or too long."""
    description = text.strip()
    if not description:
        raise DraftError("empty")
    if len(description) > limit:
        raise DraftError("too_long")
    return description


def add_file(draft: dict[str, Any], kind: str, file_id: str, name: str, limit: int) -> int:
    """Attach a file to the draft; return the new count, or DraftError past the limit."""
    files = list(draft.get("files", []))
    if len(files) >= limit:
        raise DraftError("too_many")
    files.append({"kind": kind, "file_id": file_id, "name": name[:200]})
    draft["files"] = files
    return len(files)


def to_report(draft: dict[str, Any]) -> Report:
    """The finished draft as a Report; KeyError/DraftError if a step is missing."""
    if draft.get("impact") not in IMPACTS or draft.get("urgency") not in URGENCIES:
        raise DraftError("incomplete")
    return Report(
        category_code=draft["category"], description=draft["description"],
        impact=draft["impact"], urgency=draft["urgency"],
        attachments=tuple(Attachment(f["kind"], f["file_id"], f.get("name", ""))
                          for f in draft.get("files", [])),
    )

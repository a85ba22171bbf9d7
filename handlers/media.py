"""Photos and documents in a message, as the domain's Attachment."""

from __future__ import annotations

from telegram import Message

from bot.tickets import Attachment


def attachment_of(message: Message) -> Attachment:
    """The largest photo size, or the document, of a message that has one."""
    if message.photo:
        return Attachment("photo", message.photo[-1].file_id, "")
    document = message.document
    return Attachment("document", document.file_id, document.file_name or "")

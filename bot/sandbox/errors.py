"""Errors the emulator answers with, shaped like the real Bot API's."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status plus Telegram's description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


class DropConnection(Exception):
    """Close the client's connection without an answer (network failure)."""


def bad_request(detail: str) -> ApiError:
    """Return a 400 'Bad Request: …' error."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """Return a 403 'Forbidden: …' error."""
    return ApiError(403, f"Forbidden: {detail}")


def upgraded(new_chat_id: int) -> ApiError:
    """Return the 400 for a basic group that became a supergroup (PTB: ChatMigrated)."""
    return ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=new_chat_id)


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")

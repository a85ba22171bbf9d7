"""Reading what happened in the sandbox: transcripts, callback answers, change notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.sandbox.files import StoredFile
from bot.sandbox.state import SandboxState, StoredMessage

MessagePredicate = Callable[[dict[str, Any]], bool]


class Transcripts:
    """Read-side API over the sandbox state, for tests and the web page."""

    state: SandboxState

    def callback_answer(self, callback_query_id: str) -> dict[str, Any] | None:
        """Return the bot's answer to a callback query, if it answered."""
        return self.state.callback_answers.get(callback_query_id)

    async def wait_for_answer(
        self, callback_query_id: str, timeout: float = 5.0
    ) -> dict[str, Any] | None:
        """Wait until the bot answers a callback query; None if it does not in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while callback_query_id not in self.state.callback_answers:
            remaining = deadline - loop.time()
            if remaining <= 0 or self.state.changes.closed:
                return None
            await self.state.changes.wait_once(remaining)
        return self.state.callback_answers[callback_query_id]

    def file(self, file_id: str) -> StoredFile | None:
        """Return a stored file (bytes, name, MIME type) by file_id."""
        return self.state.files.by_id(file_id)

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """Return the reply keyboard the bot currently shows in a chat, if any."""
        return self.state.chats[chat_id].reply_keyboard

    def poke(self) -> None:
        """Wake every change long poll without changing a chat (e.g. after the clock moved)."""
        self.state.changes.bump()

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the chat's transcript: both directions, edits applied, deletions flagged."""
        return [stored.snapshot() for stored in self.state.transcripts.get(chat_id, [])]

    def chat_version(self, chat_id: int) -> int:
        """Return the change counter of a chat (use as since_version in wait_for_message)."""
        return self.state.chats[chat_id].version

    @property
    def version(self) -> int:
        """Return the global change counter (messages, edits, deletions, callback answers)."""
        return self.state.changes.version

    async def wait_changes(self, since_version: int, timeout: float) -> int:
        """Wait until anything changes after `since_version`; return the current version."""
        return await self.state.changes.wait(since_version, timeout)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        timeout: float = 5.0,
        after_id: int | None = None,
        since_version: int | None = None,
    ) -> dict[str, Any]:
        """Wait for a bot message (or edited one) in a chat that matches; raise TimeoutError.

        after_id: only messages with a larger id; since_version: only messages sent or
        edited after that chat_version()/version value.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for stored in self.state.transcripts.get(chat_id, []):
                if _wanted(stored, after_id, since_version):
                    snapshot = stored.snapshot()
                    if predicate is None or predicate(snapshot):
                        return snapshot
            remaining = deadline - loop.time()
            if remaining <= 0 or self.state.changes.closed:
                raise TimeoutError(self._timeout_report(chat_id, timeout))
            await self.state.changes.wait_once(remaining)

    def _timeout_report(self, chat_id: int, timeout: float) -> str:
        """Describe the end of a transcript for a failed wait."""
        tail = [
            f"  #{m['message_id']} {'bot' if m['from_bot'] else 'user'}: "
            f"{(m.get('text') or m.get('caption') or '<media>')[:80]!r}"
            for m in self.messages(chat_id)[-6:]
        ]
        return f"no matching bot message in chat {chat_id} within {timeout}s; last:\n" + (
            "\n".join(tail) or "  (empty)"
        )


def _wanted(stored: StoredMessage, after_id: int | None, since_version: int | None) -> bool:
    """Return True if a stored message is a live bot message within the wait's window."""
    if not stored.from_bot or stored.deleted:
        return False
    if after_id is not None and stored.message_id <= after_id:
        return False
    return since_version is None or stored.changed_at > since_version

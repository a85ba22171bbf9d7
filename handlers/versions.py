"""Buttons that act only while what they were shown for is still true (issue 17 §4).

A prompt's buttons (pend reasons, 转派 / 接管 lists, /queue 认领) carry the ticket's version
(`bot.lifecycle.version`, its count of status changes) as their last part. A press after the
ticket moved on — resumed, claimed, reassigned — is refused with 「该按钮已失效」, checked in
the same transaction as the action.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.lifecycle import version
from handlers.callbacks import as_id
from handlers.refusals import Refusal
from handlers.renderers import work as texts


def split(args: tuple[str, ...]) -> tuple[tuple[str, ...], int | None]:
    """(the arguments, the version shown) from a press's arguments; None if it has none."""
    if not args:
        return args, None
    return args[:-1], as_id(args[-1], minimum=0)


def check(session: Session, ticket_id: int, shown: int | None) -> None:
    """Refuse the press (Refusal 「该按钮已失效」) unless the ticket is as it was shown."""
    if shown is None or version(session, ticket_id) != shown:
        raise Refusal(texts.STALE)

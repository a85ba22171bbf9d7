"""A team's group that Telegram upgraded to a supergroup: its chat id changed.

Telegram says so in two ways: service messages in the groups (`migrate_to_chat_id` in the
old one, `migrate_from_chat_id` in the new one), and a 400 answer carrying
migrate_to_chat_id (PTB's ChatMigrated) to any call on the old id. Either way `record`
stores old → new, moves the teams whose group it was, and sends the outbox's pending
messages after them. The config still names the old id: the directory sync follows the
recorded migrations (the database overrides the config until the config is updated), and
the log and `govdesk doctor` ask for the config to be updated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.models import ChatMigration, Team
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Longest chain of migrations followed (a chat migrates once; this guards against a loop).
_MAX_HOPS = 8


@dataclass(frozen=True)
class StaleGroup:
    """A team whose configured group chat id was migrated: the config needs the new one."""

    team_code: str
    team_name: str
    configured_chat_id: int
    chat_id: int


def record(session: Session, old_chat_id: int, new_chat_id: int, now: datetime) -> list[str]:
    """Store that `old_chat_id` is now `new_chat_id`; its teams and pending messages move.

    Returns the codes of the teams moved. Recording the same migration again is harmless.
    """
    known = session.get(ChatMigration, old_chat_id)
    if known is None:
        session.add(ChatMigration(old_chat_id=old_chat_id, new_chat_id=new_chat_id,
                                  migrated_at=now))
    elif known.new_chat_id != new_chat_id:
        known.new_chat_id, known.migrated_at = new_chat_id, now
    moved = list(session.scalars(
        update(Team).where(Team.chat_id == old_chat_id).values(chat_id=new_chat_id)
        .returning(Team.code)))
    pending = outbox.retarget(session, old_chat_id, new_chat_id)
    if known is None or moved or pending:
        logger.warning("group %s was upgraded to supergroup %s: %d pending messages and the "
                       "teams %s moved to the new id; put chat_id = %s in the config",
                       old_chat_id, new_chat_id, pending, ",".join(moved) or "(none)",
                       new_chat_id)
    return moved


def current_ids(session: Session) -> dict[int, int]:
    """Every migrated chat id → the id it has now (chains followed)."""
    direct: dict[int, int] = {old: new for old, new in session.execute(
        select(ChatMigration.old_chat_id, ChatMigration.new_chat_id))}
    return {old: _follow(direct, old) for old in direct}


def current_id(session: Session, chat_id: int) -> int:
    """The id messages to `chat_id` must use now."""
    return current_ids(session).get(chat_id, chat_id)


def _follow(direct: dict[int, int], chat_id: int) -> int:
    for _ in range(_MAX_HOPS):
        if chat_id not in direct:
            break
        chat_id = direct[chat_id]
    return chat_id


def stale_groups(session: Session, settings: Settings) -> list[StaleGroup]:
    """The teams whose group in the config was migrated since (the config needs updating)."""
    moved = current_ids(session)
    return [StaleGroup(team.code, team.name, team.chat_id, moved[team.chat_id])
            for team in settings.teams
            if team.chat_id is not None and moved.get(team.chat_id, team.chat_id)
            != team.chat_id]

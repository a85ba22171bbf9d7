"""What each `govdesk` subcommand does (argument parsing lives in bot.cli)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot import db, db_state, desk_lock
from bot.clock import Clock
from bot.desk import Desk, open_desk
from bot.desk_lock import DeskLock
from bot.people import DirectoryError, add_person, list_people
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
#: Another process holds the desk's lock (a bot already runs on this database).
EXIT_BUSY = 3


def _open(settings: Settings, *, clock: Clock | None = None, with_knowledge: bool = True,
          starter: bool = True) -> Desk | None:
    opened = _open_desk(settings, clock=clock, with_knowledge=with_knowledge, starter=starter)
    return opened if isinstance(opened, Desk) else None


def _open_desk(settings: Settings, *, clock: Clock | None = None, with_knowledge: bool = True,
               starter: bool = True, init: bool = False) -> Desk | int:
    """The desk, or the exit code after one line on stderr saying why it cannot be opened."""
    from handlers.notify import announce_departure  # leads hear of people who left a team

    try:
        return open_desk(settings, clock, announce=announce_departure,
                         with_knowledge=with_knowledge, starter=starter, init=init)
    except (db_state.DatabaseRefused, db.UnknownRevision) as refused:
        print(_refusal_line(refused), file=sys.stderr)
        return EXIT_CONFIG
    except (SQLAlchemyError, OSError) as error:
        _unreachable(settings, error)
        return EXIT_FAILED


def _refusal_line(refused: Exception) -> str:
    """The one line for a database this govdesk will not open: lost, or from a newer one."""
    if isinstance(refused, db.UnknownRevision):
        return db_state.newer_line(refused)
    return refused.line


def _unreachable(settings: Settings, error: Exception) -> None:
    print(f"✗ 无法打开数据库 {_safe_url(settings)}：{error.__class__.__name__}: "
          f"{str(error).splitlines()[0]}", file=sys.stderr)
    print("  请检查 [database] url / GOVDESK_DATABASE_URL，或运行 govdesk doctor。",
          file=sys.stderr)


def hold_desk(settings: Settings, command: str) -> DeskLock | int:
    """The desk's lock for `command`, or the exit code after one line saying who holds it."""
    try:
        return desk_lock.acquire(settings, command)
    except desk_lock.DeskBusy as busy:
        print(busy.line, file=sys.stderr)
        return EXIT_BUSY
    except (SQLAlchemyError, OSError) as error:
        _unreachable(settings, error)
        return EXIT_FAILED


def _safe_url(settings: Settings) -> str:
    return db.display_url(settings.database_url)


async def run_bot(settings: Settings, *, init: bool = False,
                  stop: asyncio.Event | None = None) -> int:
    """`govdesk run`: the bot with long polling, holding the desk's lock until it stops.

    `init` allows starting on an empty database beside an earlier install's traces;
    `stop` ends it (tests; otherwise SIGINT/SIGTERM).
    """
    if not settings.telegram.token:
        print("未设置 Telegram 机器人令牌：请在配置 [telegram] token 或环境变量 "
              "GOVDESK_TELEGRAM_TOKEN 中设置。没有令牌可先试用 `govdesk demo`。", file=sys.stderr)
        return EXIT_CONFIG
    held = hold_desk(settings, "run")
    if isinstance(held, int):
        return held
    with held:
        # migrations, the directory sync and the knowledge base's start-up block: off the loop
        desk = await asyncio.to_thread(_open_desk, settings, init=init)
        if isinstance(desk, int):
            return desk
        from bot.app import build_application
        from bot.serve import serve

        application = build_application(desk)
        try:
            await serve(application, poll_timeout=settings.telegram.poll_timeout,
                        stop_event=stop, settle=True)
        finally:
            desk.close()
    return EXIT_OK


def db_upgrade(settings: Settings, *, init: bool = False) -> int:
    """`govdesk db upgrade`: apply pending migrations (refusing a newer or a lost database),
    on a stopped desk: a running bot's schema is not changed under its feet."""
    held = hold_desk(settings, "db upgrade")
    if isinstance(held, int):
        return held
    try:
        with held:
            before, after = _migrate(settings, init)
    except (db_state.DatabaseRefused, db.UnknownRevision) as refused:
        print(_refusal_line(refused), file=sys.stderr)
        return EXIT_CONFIG
    except (SQLAlchemyError, OSError) as error:
        print(f"✗ 迁移失败：{error}", file=sys.stderr)
        return EXIT_FAILED
    if before == after:
        print(f"✓ 数据库已是最新版本（{after}）")
    else:
        print(f"✓ 数据库已从 {before or '空库'} 升级到 {after}")
    return EXIT_OK


def _migrate(settings: Settings, init: bool) -> tuple[str | None, str]:
    engine = db.make_engine(settings.database_url)
    try:
        db_state.check_before_migrating(settings, engine, init=init)
        return db.upgrade(engine)
    finally:
        engine.dispose()


def people(settings: Settings, args: argparse.Namespace) -> int:
    """`govdesk people list|add`."""
    desk = _open(settings, clock=args.clock, with_knowledge=False)
    if desk is None:
        return EXIT_FAILED
    try:
        return _people(desk, args)
    finally:
        desk.close()


def _people(desk: Desk, args: argparse.Namespace) -> int:
    with desk.sessions.begin() as session:
        if args.people_command == "list":
            for person in list_people(session):
                teams = ",".join(m.team.code for m in person.memberships)
                state = "" if person.active else "（已停用）"
                print(f"{person.telegram_id}\t{person.name}{state}\t{person.unit}\t"
                      f"{','.join(sorted(person.role_codes))}\t{teams}")
            return EXIT_OK
        try:
            add_person(session, desk.clock, telegram_id=args.telegram_id, name=args.name,
                       unit=args.unit, roles=_split(args.roles) or ("reporter",),
                       teams=_split(args.teams), source="cli")
        except DirectoryError as error:
            print(f"✗ {error}", file=sys.stderr)
            return EXIT_FAILED
    print(f"✓ 已登记 {args.name}（{args.telegram_id}）")
    return EXIT_OK


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def knowledge(settings: Settings, args: argparse.Namespace) -> int:
    """`govdesk kb …`: the knowledge base commands."""
    from knowledge.cli import run

    # `kb reindex` wipes the index directory first: not under a running bot's feet.
    held = hold_desk(settings, "kb reindex") if args.kb_command == "reindex" else None
    if isinstance(held, int):
        return held
    try:
        # The starter articles come with the bot's first start (`govdesk run` / `demo`), not
        # with `kb import`: importing a knowledge base of one's own should not mix them in.
        desk = _open(settings, clock=args.clock, starter=False)
        if desk is None:
            return EXIT_FAILED
        try:
            return run(args, desk.knowledge, desk.sessions)
        finally:
            desk.close()
    finally:
        if held is not None:
            held.release()


def doctor(settings: Settings) -> int:
    """`govdesk doctor`: check everything a site needs, one line each."""
    from bot.doctor import run_checks

    return EXIT_OK if run_checks(settings) else EXIT_FAILED

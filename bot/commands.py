"""What each `govdesk` subcommand does (argument parsing lives in bot.cli)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.clock import Clock
from bot.desk import Desk, open_desk
from bot.people import DirectoryError, add_person, list_people
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _open(settings: Settings, *, clock: Clock | None = None, with_knowledge: bool = True,
          starter: bool = True) -> Desk | None:
    from handlers.notify import announce_departure  # leads hear of people who left a team

    try:
        return open_desk(settings, clock, announce=announce_departure,
                         with_knowledge=with_knowledge, starter=starter)
    except (SQLAlchemyError, OSError) as error:
        print(f"✗ 无法打开数据库 {_safe_url(settings)}：{error.__class__.__name__}: "
              f"{str(error).splitlines()[0]}", file=sys.stderr)
        print("  请检查 [database] url / GOVDESK_DATABASE_URL，或运行 govdesk doctor。",
              file=sys.stderr)
        return None


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


async def run_bot(settings: Settings) -> int:
    """`govdesk run`: the bot with long polling."""
    if not settings.telegram.token:
        print("未设置 Telegram 机器人令牌：请在配置 [telegram] token 或环境变量 "
              "GOVDESK_TELEGRAM_TOKEN 中设置。没有令牌可先试用 `govdesk demo`。", file=sys.stderr)
        return EXIT_CONFIG
    # migrations, the directory sync and the knowledge base's start-up block: off the loop
    desk = await asyncio.to_thread(_open, settings)
    if desk is None:
        return EXIT_FAILED
    from bot.app import build_application
    from bot.serve import serve

    application = build_application(desk)
    await serve(application, poll_timeout=settings.telegram.poll_timeout, settle=True)
    desk.close()
    return EXIT_OK


def db_upgrade(settings: Settings) -> int:
    """`govdesk db upgrade`: apply pending migrations."""
    try:
        engine = db.make_engine(settings.database_url)
        before, after = db.upgrade(engine)
    except (SQLAlchemyError, OSError) as error:
        print(f"✗ 迁移失败：{error}", file=sys.stderr)
        return EXIT_FAILED
    if before == after:
        print(f"✓ 数据库已是最新版本（{after}）")
    else:
        print(f"✓ 数据库已从 {before or '空库'} 升级到 {after}")
    return EXIT_OK


def people(settings: Settings, args: argparse.Namespace) -> int:
    """`govdesk people list|add`."""
    desk = _open(settings, clock=args.clock, with_knowledge=False)
    if desk is None:
        return EXIT_FAILED
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

    # The starter articles come with the bot's first start (`govdesk run` / `demo`), not with
    # `kb import`: importing a knowledge base of one's own should not mix them in.
    desk = _open(settings, clock=args.clock, starter=False)
    if desk is None:
        return EXIT_FAILED
    return run(args, desk.knowledge, desk.sessions)


def doctor(settings: Settings) -> int:
    """`govdesk doctor`: check everything a site needs, one line each."""
    from bot.doctor import run_checks

    return EXIT_OK if run_checks(settings) else EXIT_FAILED

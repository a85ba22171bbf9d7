"""`govdesk duty show|set|cancel` and `govdesk people leave`: the roster from the shell.

    govdesk duty show [--at "2026-12-01 22:00"]
    govdesk duty set infra 陈工 --from "2026-12-01 22:00" --to "2026-12-02 09:00" --reason 替班
    govdesk duty cancel 3
    govdesk people leave 20002 infra
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import Settings

if TYPE_CHECKING:  # the CLI imports the database layer only when a command runs
    from sqlalchemy.orm import Session

    from bot.desk import Desk

EXIT_OK, EXIT_FAILED = 0, 1
KINDS = {"day": "值班", "after_hours": "夜间/节假日值班", "override": "临时顶班"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `govdesk duty …` to the command line."""
    parser = commands.add_parser("duty", help="值班表：查看、临时顶班")
    sub = parser.add_subparsers(dest="duty_command", metavar="SUBCOMMAND", required=True)
    show = sub.add_parser("show", help="各组现在和下一班的值班人员")
    show.add_argument("--at", help="查看某一时刻，例如 \"2026-12-01 22:00\"（默认现在）")
    change = sub.add_parser("set", help="安排临时顶班")
    change.add_argument("team", help="支持组代码，例如 infra")
    change.add_argument("person", help="成员姓名或 Telegram ID")
    change.add_argument("--from", dest="start", required=True,
                        help="开始，例如 \"2026-12-01 22:00\"")
    change.add_argument("--to", dest="end", required=True,
                        help="结束，例如 \"2026-12-02 09:00\"")
    change.add_argument("--reason", default="", help="原因")
    cancel = sub.add_parser("cancel", help="取消临时顶班")
    cancel.add_argument("override_id", type=int, help="临时顶班编号（见 duty show）")


def add_leave_parser(people_commands: argparse._SubParsersAction) -> None:
    """Add `govdesk people leave TELEGRAM_ID TEAM`."""
    leave = people_commands.add_parser("leave", help="让成员离开支持组（其未完成工单退回队列）")
    leave.add_argument("telegram_id", type=int)
    leave.add_argument("team", help="支持组代码")


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `govdesk duty show|set|cancel`."""
    from bot import duty
    from bot.commands import _open
    from bot.duty_input import parse_moment

    desk = _open(settings, clock=args.clock, with_knowledge=False)
    if desk is None:
        return EXIT_FAILED
    try:
        with desk.sessions.begin() as session:
            now = desk.clock.now()
            if args.duty_command == "show":
                at = parse_moment(args.at, desk.timezone, now) if args.at else now
                _show(session, desk, at)
                return EXIT_OK
            if args.duty_command == "set":
                return _set(session, desk, args, now)
            override = duty.cancel_override(session, args.override_id, by=None, now=now)
            print(f"✓ 已取消临时顶班 #{override.id}"
                  f"（{override.person.name}，{override.team.name}）")
            return EXIT_OK
    except duty.DutyError as error:
        print(f"✗ {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        desk.close()


def _show(session: Session, desk: Desk, at: datetime) -> None:
    from sqlalchemy import select

    from bot import duty
    from bot.models import Team

    tz = desk.timezone
    print(f"值班表（{_when(at, tz)} {desk.settings.desk.timezone}）")
    for team in session.scalars(select(Team).where(Team.active).order_by(Team.id)):
        print(f"\n{team.code}\t{team.name}")
        turn = desk.roster.turn_at(session, team, at)
        if not desk.roster.has_rotation(team.code) and turn.person is None:
            print("  未配置值班表")
        else:
            until = f"，至 {_when(turn.ends_at, tz)}" if turn.ends_at else ""
            name = turn.person.name if turn.person else "无人值班"
            print(f"  现在：{name}（{KINDS.get(turn.kind, '')}{until}）")
            following = desk.roster.next_turn(session, team, at)
            if following is not None and following.person is not None:
                print(f"  下一班：{following.person.name}（{_when(following.starts_at, tz)} 起，"
                      f"{KINDS.get(following.kind, '')}）")
        for override in duty.overrides_of(session, team, at):
            reason = f"（{override.reason}）" if override.reason else ""
            print(f"  临时顶班 #{override.id}：{override.person.name} "
                  f"{_when(override.starts_at, tz)} – {_when(override.ends_at, tz)}{reason}")


def _set(session: Session, desk: Desk, args: argparse.Namespace, now: datetime) -> int:
    from bot import duty
    from bot.duty_input import find_member, parse_moment

    team = duty.team_by_code(session, args.team)
    if team is None:
        raise duty.DutyError(f"没有代码为 {args.team} 的支持组。")
    person = find_member(team, args.person)
    start = parse_moment(args.start, desk.timezone, now)
    end = parse_moment(args.end, desk.timezone, now)
    override = duty.set_override(session, team, person, start, end, by=None, reason=args.reason,
                                 source="cli", now=now)
    print(f"✓ 已安排 {person.name} 于 {_when(start, desk.timezone)} – "
          f"{_when(end, desk.timezone)} 为{team.name}值班（临时顶班 #{override.id}）")
    return EXIT_OK


def leave(settings: Settings, args: argparse.Namespace) -> int:
    """`govdesk people leave`: their open tickets go back to the queue; the leads are told."""
    from bot.commands import _open
    from bot.lifecycle import Origin
    from bot.people import DirectoryError, find_by_telegram_id
    from bot.team_changes import leave_team
    from handlers.notify import announce_departure

    desk = _open(settings, clock=args.clock, with_knowledge=False)
    if desk is None:
        return EXIT_FAILED
    try:
        with desk.sessions.begin() as session:
            person = find_by_telegram_id(session, args.telegram_id)
            if person is None:
                raise DirectoryError(f"没有 Telegram ID 为 {args.telegram_id} 的在册人员。")
            departure = leave_team(session, person, args.team, Origin(None, source="cli"),
                                   desk.clock.now())
            announce_departure(session, desk, departure)
            source = person.source
    except DirectoryError as error:
        print(f"✗ {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        desk.close()
    print(f"✓ {departure.person_name} 已离开{departure.team_name}，"
          f"{len(departure.returned_ticket_ids)} 张未完成工单已退回队列，已通知组长。")
    if source == "config":
        print("  注意：此人来自配置文件；请同时从配置的 teams 中删除该组，否则下次启动会恢复。")
    return EXIT_OK

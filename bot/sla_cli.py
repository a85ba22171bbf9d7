"""`govdesk sla explain NUMBER` and `govdesk sla check`: the SLA for supervisors and admins."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `govdesk sla …` to the command line."""
    sla = commands.add_parser("sla", help="SLA：工单时限的时间线与核对")
    sub = sla.add_subparsers(dest="sla_command", metavar="SUBCOMMAND", required=True)
    explain = sub.add_parser("explain", help="显示工单的 SLA 时间线：目标、暂停、提醒、超时")
    explain.add_argument("number", help="工单号，例如 2611-0042")
    check = sub.add_parser("check", help="用事件记录重算每张工单的 SLA，与已存结果核对")
    check.add_argument("--repair", action="store_true", help="把不一致的工单改为重算结果")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `govdesk sla explain|check`."""
    from bot.commands import _open

    desk = _open(settings, clock=args.clock)
    if desk is None:
        return EXIT_FAILED
    try:
        if args.sla_command == "explain":
            return _explain(desk, args.number)
        return _check(desk, args.repair)
    finally:
        desk.close()


def _explain(desk, number: str) -> int:
    from bot import sla_explain, tickets

    with desk.sessions.begin() as session:
        ticket = tickets.find(session, number)
        if ticket is None:
            print(f"✗ 未找到工单 {number}（格式如 2611-0042）", file=sys.stderr)
            return EXIT_FAILED
        print(sla_explain.explain(session, ticket, desk.sla, desk.clock.now(),
                                  desk.timezone).text())
    return EXIT_OK


def _check(desk, repair: bool) -> int:
    from bot import sla_store, tickets

    with desk.sessions.begin() as session:
        found = sla_store.check_all(session, desk.sla)
        for number, problems in found.items():
            print(f"✗ {number}")
            for problem in problems:
                print(f"    {problem}")
        if repair:
            for number in found:
                sla_store.repair(session, tickets.find(session, number), desk.sla)
    if not found:
        print("✓ 每张工单已存的 SLA 与事件记录重算的结果一致")
        return EXIT_OK
    print(f"{len(found)} 张工单不一致" + ("，已按重算结果修复" if repair else
                                    "；加 --repair 可按重算结果修复"))
    return EXIT_OK if repair else EXIT_FAILED

"""The `govdesk` command: run, demo, doctor, db, people, duty, sla, calendar, kb, backup…"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from bot import backup_cli, calendar_cli, duty_cli, sla_cli
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, load_settings
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
INIT_HELP = "数据库为空但数据目录里有以前的搜索索引时，确认从空数据库重新开始（工单编号从头计）"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govdesk", description="政务运维服务台 (govdesk)")
    parser.add_argument("--config", help="配置文件路径（默认 $GOVDESK_CONFIG 或 ./govdesk.toml）")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="启动机器人（长轮询）")
    run.add_argument("--init", action="store_true", help=INIT_HELP)
    demo = commands.add_parser("demo", help="启动沙盒：本地 Bot API 模拟器 + 网页聊天")
    demo.add_argument("--data", help="演示数据目录（默认新建临时目录）")
    demo.add_argument("--port", type=int, default=8080, help="网页聊天端口（默认 8080，0=随机）")
    demo.add_argument("--init", action="store_true", help=INIT_HELP)
    commands.add_parser("doctor", help="检查配置、数据库、数据目录、节假日日历和 Telegram 连接")
    db = commands.add_parser("db", help="数据库")
    db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True).add_parser(
        "upgrade", help="应用数据库迁移").add_argument("--init", action="store_true",
                                                     help=INIT_HELP)
    people = commands.add_parser("people", help="人员")
    people_commands = people.add_subparsers(dest="people_command", metavar="SUBCOMMAND",
                                            required=True)
    people_commands.add_parser("list", help="列出人员")
    add = people_commands.add_parser("add", help="登记人员")
    add.add_argument("telegram_id", type=int)
    add.add_argument("name")
    add.add_argument("--unit", default="")
    add.add_argument("--roles", default="reporter", help="逗号分隔，如 technician,lead")
    add.add_argument("--teams", default="", help="逗号分隔的支持组代码")
    duty_cli.add_leave_parser(people_commands)
    _add_knowledge_parser(commands)
    sla_cli.add_parser(commands)
    duty_cli.add_parser(commands)
    calendar_cli.add_parser(commands)
    backup_cli.add_parsers(commands)
    return parser


def _add_knowledge_parser(commands: argparse._SubParsersAction) -> None:
    try:
        from knowledge.cli import add_parser
    except ImportError:  # pragma: no cover
        return
    add_parser(commands)


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Entry point of the `govdesk` console script (`clock`: the desk's time, for tests)."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta
    args = _parser().parse_args(argv)
    args.clock = clock or SystemClock()
    if args.command is None:
        _parser().print_help()
        return EXIT_CONFIG
    _configure_logging(args.verbose)
    if args.command == "demo":
        from bot.sandbox.demo import run_demo

        return run_demo(args)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    return _dispatch(args, settings)


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import commands

    if args.command == "run":
        return asyncio.run(commands.run_bot(settings, init=args.init))
    if args.command == "doctor":
        return commands.doctor(settings)
    if args.command == "db":
        return commands.db_upgrade(settings, init=args.init)
    if args.command in ("backup", "restore"):
        return backup_cli.run(settings, args, args.clock)
    if args.command == "people" and args.people_command == "leave":
        return duty_cli.leave(settings, args)
    if args.command == "people":
        return commands.people(settings, args)
    if args.command == "duty":
        return duty_cli.run(settings, args)
    if args.command == "sla":
        return sla_cli.run(settings, args)
    if args.command == "calendar":
        return calendar_cli.run(settings, args)
    if args.command == "kb":
        return commands.knowledge(settings, args)
    raise AssertionError(args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

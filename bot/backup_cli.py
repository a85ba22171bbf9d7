"""`govdesk backup PATH` and `govdesk restore PATH [--force]` (see bot.backup).

    govdesk backup /srv/backups/govdesk-2026-12-01     # while the bot runs
    govdesk restore /srv/backups/govdesk-2026-12-01    # on a stopped desk
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from bot.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1

MSG_BACKED_UP = "✓ 已备份到 {path}（{backend}，数据库版本 {revision}，工单 {tickets} 张）"
MSG_RESTORED = ("✓ 已从 {path} 恢复（备份于 {created_at}，数据库版本 {revision}，"
                "工单 {tickets} 张）；搜索索引将在下次启动时重建。")
MSG_INDEX = "  搜索索引未备份：它由数据库重建，恢复后首次启动时自动重建。"
MSG_DATABASE_ERROR = "✗ 数据库出错：{error}"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Add `govdesk backup` and `govdesk restore` to the command line."""
    backup = commands.add_parser("backup", help="在线备份数据库到一个新目录（机器人运行时也可）")
    backup.add_argument("path", help="备份目录（须不存在或为空）")
    restore = commands.add_parser("restore", help="从备份目录恢复（须先停止机器人）")
    restore.add_argument("path", help="govdesk backup 生成的目录")
    restore.add_argument("--force", action="store_true", help="覆盖已有数据的数据库")


def run(settings: Settings, args: argparse.Namespace, clock: Clock | None = None) -> int:
    """Run `govdesk backup` or `govdesk restore`."""
    from bot.backup import BackupError

    try:
        if args.command == "backup":
            return _backup(settings, Path(args.path), clock or SystemClock())
        return _restore(settings, Path(args.path), args.force)
    except BackupError as error:
        print(error.line, file=sys.stderr)
        return EXIT_FAILED
    except (SQLAlchemyError, OSError) as error:
        print(MSG_DATABASE_ERROR.format(error=str(error).splitlines()[0]), file=sys.stderr)
        return EXIT_FAILED


def _backup(settings: Settings, path: Path, clock: Clock) -> int:
    from bot.backup import make_backup

    manifest = make_backup(settings, path, clock)
    print(MSG_BACKED_UP.format(path=path.resolve(), backend=manifest.backend,
                               revision=manifest.revision or "空库", tickets=manifest.tickets))
    print(MSG_INDEX)
    return EXIT_OK


def _restore(settings: Settings, path: Path, force: bool) -> int:
    from bot.backup import check_backup, restore_backup
    from bot.commands import hold_desk

    check_backup(settings, path)  # a wrong path is told before anything else
    held = hold_desk(settings, "restore")  # no bot may run, or start, meanwhile
    if isinstance(held, int):
        return held
    with held:
        manifest = restore_backup(settings, path, force=force)
    print(MSG_RESTORED.format(path=path.resolve(), created_at=manifest.created_at,
                              revision=manifest.revision or "空库", tickets=manifest.tickets))
    return EXIT_OK

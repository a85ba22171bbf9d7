"""`govdesk demo`: the Bot API emulator, the same bot as `govdesk run`, and the web chat page."""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from importlib import resources
from pathlib import Path

from telegram.ext import Application

from bot import desk_lock
from bot.calendar import WorkingCalendar
from bot.calendar_config import policy_from_settings
from bot.clock import AdjustableClock
from bot.config import ConfigError, load_settings
from bot.desk import Desk, open_desk
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.personas import Persona
from bot.sandbox.webchat import WebChat
from bot.settings import DeskSettings, Settings
from handlers.renderers.welcome import role_labels

logger = logging.getLogger(__name__)


def demo_settings(data_dir: Path, emulator: BotApiEmulator) -> Settings:
    """The demo desk's settings, pointed at the emulator."""
    path = Path(str(resources.files("bot.sandbox").joinpath("demo.toml")))
    settings = load_settings(path, environ={"GOVDESK_DATA_DIR": str(data_dir)})
    telegram = replace(
        settings.telegram,
        token=emulator.token,
        api_url=emulator.base_url,
        file_api_url=emulator.base_file_url,
        poll_timeout=10,
    )
    return replace(settings, telegram=telegram, database=replace(settings.database, url=""))


def first_working_moment() -> datetime:
    """Now, or the start of the next working period: the demo opens on a working desk."""
    path = Path(str(resources.files("bot.sandbox").joinpath("demo.toml")))
    settings = load_settings(path, environ={})
    calendar = WorkingCalendar(policy_from_settings(settings.calendar, settings.desk.timezone))
    return calendar.next_working_moment(datetime.now(UTC))


def personas_of(settings: Settings) -> list[Persona]:
    """A persona per configured person, with their private chat and their teams' groups."""
    groups = {
        team.code: (team.chat_id, f"群 · {team.name}")
        for team in settings.teams
        if team.chat_id is not None
    }
    personas = []
    for person in settings.people:
        label = role_labels(person.roles) + (f" · {person.unit}" if person.unit else "")
        chats = [(person.telegram_id, f"私聊 · {settings.desk.name}")]
        chats += [groups[code] for code in person.teams if code in groups]
        personas.append(Persona(person.telegram_id, person.name, label, chats))
    return personas


def populate(emulator: BotApiEmulator, settings: Settings) -> None:
    """Make the demo people and team groups known to the emulator."""
    for person in settings.people:
        emulator.add_user(person.telegram_id, person.name)
    for team in settings.teams:
        if team.chat_id is not None:
            members = [p.telegram_id for p in settings.people if team.code in p.teams]
            emulator.add_group(team.chat_id, team.name, members)


@dataclass
class Sandbox:
    """A running sandbox: the emulator, the desk, the bot and the web chat page."""

    emulator: BotApiEmulator
    desk: Desk
    application: Application
    webchat: WebChat


@asynccontextmanager
async def sandbox(data_dir: Path, port: int = 0, clock: AdjustableClock | None = None,
                  poll: bool = False, init: bool = False) -> AsyncIterator[Sandbox]:
    """Start emulator, desk and web chat; with `poll`, also run the bot until exit.

    `init`: start on an empty database even beside an earlier desk's index (see open_desk).
    """
    from bot.app import build_application

    clock = clock or AdjustableClock(first_working_moment())
    emulator = BotApiEmulator(clock=clock)
    await emulator.start()
    try:
        settings = demo_settings(data_dir, emulator)
        populate(emulator, settings)
        desk: Desk = await asyncio.to_thread(partial(open_desk, settings, clock, init=init))
        application = build_application(desk)

        async def on_clock_advanced() -> None:
            await desk_tick(application)

        webchat = WebChat(emulator, personas_of(settings), clock, on_clock_advanced, port=port,
                          timezone=desk.timezone, title=settings.desk.name)
        await webchat.start()
        try:
            yield Sandbox(emulator, desk, application, webchat)
        finally:
            await webchat.stop()
            desk.close()
    finally:
        await emulator.stop()


async def _serve_demo(data_dir: Path, port: int, init: bool) -> None:
    from bot.serve import serve

    async with sandbox(data_dir, port, init=init) as running:
        print(f"\n  沙盒已启动：在浏览器打开 {running.webchat.url}\n  数据目录：{data_dir}\n"
              "  按 Ctrl+C 退出。\n", flush=True)
        await serve(running.application,
                    poll_timeout=running.desk.settings.telegram.poll_timeout, settle=True)


async def desk_tick(application: Application) -> None:
    """After the clock moved: run what is due now (the scheduler's jobs, the outbox)."""
    from handlers.notify import SENDER_KEY
    from schedules.scheduler import run_due_now

    await run_due_now(application)  # SLA reminders and escalations, auto-close, hand-offs …
    sender = application.bot_data.get(SENDER_KEY)
    if sender is not None:
        sender.wake()


def run_demo(args: argparse.Namespace) -> int:
    """Run the sandbox until Ctrl+C, holding the data directory's lock (bot.desk_lock)."""
    from bot import db, db_state
    from bot.commands import EXIT_BUSY

    data_dir = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="govdesk-demo-"))
    try:
        held = desk_lock.acquire(Settings(desk=DeskSettings(data_dir=data_dir)), "demo")
    except desk_lock.DeskBusy as busy:
        print(busy.line)
        return EXIT_BUSY
    try:
        with held:
            asyncio.run(_serve_demo(data_dir, args.port, args.init))
    except ConfigError as error:
        print(error)
        return 2
    except db_state.DatabaseRefused as refused:
        print(refused.line)
        return 2
    except db.UnknownRevision as newer:
        print(db_state.newer_line(newer))
        return 2
    except OSError as error:
        print(f"无法启动沙盒：{error}（端口 {args.port} 被占用？可用 --port 0 选随机端口）")
        return 1
    return 0

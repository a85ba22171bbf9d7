"""One bot per database (issue 13 §4): the second `govdesk run` refuses, with one line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bot import commands, desk_lock
from bot.sandbox.demo import populate, run_demo
from bot.sandbox.emulator import BotApiEmulator
from bot.settings import Settings
from tests.support.cli import run_cli as _cli
from tests.support.databases import postgres_url
from tests.support.factories import make_settings
from tests.support.sandbox import Chatter

ROOT = Path(__file__).resolve().parents[2]
needs_postgres = [pytest.mark.postgres,
                  pytest.mark.skipif(postgres_url() is None, reason="needs PostgreSQL")]


def _other_data_dir(settings: Settings, name: str) -> Settings:
    return replace(settings, desk=replace(settings.desk, data_dir=settings.desk.data_dir / name))


def test_a_second_holder_is_refused_naming_the_first(settings: Settings) -> None:
    first = desk_lock.acquire(settings, "run")
    with pytest.raises(desk_lock.DeskBusy) as busy:
        desk_lock.acquire(settings, "run")
    line = busy.value.line
    assert "\n" not in line and "已被另一个 govdesk 占用" in line
    assert f"进程 {os.getpid()}" in line and socket.gethostname() in line
    assert desk_lock.holder(settings) is not None
    first.release()
    assert desk_lock.holder(settings) is None
    desk_lock.acquire(settings, "run").release()


@pytest.mark.parametrize("shared", ["data_dir", "postgres"])
def test_the_lock_dies_with_a_killed_process(settings: Settings, shared: str) -> None:
    if shared == "postgres" and postgres_url() is None:
        pytest.skip("needs PostgreSQL")
    child_dir = settings.desk.data_dir if shared == "data_dir" else settings.desk.data_dir / "c"
    with subprocess.Popen(
            [sys.executable, "-c", HOLD_AND_WAIT, str(child_dir), settings.database_url],
            cwd=ROOT, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            with pytest.raises(desk_lock.DeskBusy) as busy:
                desk_lock.acquire(settings, "run")
            if shared == "data_dir":
                assert f"进程 {holder.pid}" in busy.value.line
            else:
                assert "PostgreSQL" in busy.value.line
                assert f"pid {holder.pid}@" in busy.value.line
        finally:
            holder.send_signal(signal.SIGKILL)  # a crash: no clean-up runs in the holder
            holder.wait()
    desk_lock.acquire(settings, "run").release()


HOLD_AND_WAIT = """
import sys, time
from pathlib import Path
from bot.desk_lock import acquire
from bot.settings import DatabaseSettings, DeskSettings, Settings
held = acquire(Settings(desk=DeskSettings(data_dir=Path(sys.argv[1])),
                        database=DatabaseSettings(url=sys.argv[2])), "run")
print("held", flush=True)
time.sleep(60)
"""


@asynccontextmanager
async def _emulated(settings: Settings) -> AsyncIterator[tuple[Settings, BotApiEmulator]]:
    emulator = BotApiEmulator()
    await emulator.start()
    populate(emulator, settings)
    telegram = replace(settings.telegram, token=emulator.token, api_url=emulator.base_url,
                       file_api_url=emulator.base_file_url, poll_timeout=1)
    try:
        yield replace(settings, telegram=telegram), emulator
    finally:
        await emulator.stop()


async def _start_bot(settings: Settings, emulator: BotApiEmulator, init: bool = False
                     ) -> tuple[asyncio.Task[int], asyncio.Event]:
    """`govdesk run` in this process, once it answers /start."""
    stop = asyncio.Event()
    task = asyncio.create_task(commands.run_bot(settings, init=init, stop=stop))
    chat = Chatter(emulator, None)  # type: ignore[arg-type]
    reply = await chat.say(1001, "/start", timeout=30)
    assert "王芳" in reply["text"]
    return task, stop


@pytest.mark.parametrize("shared", ["data_dir", "postgres"])
async def test_a_second_run_refuses_and_a_new_one_starts_after_the_first_stopped(
        settings: Settings, shared: str, monkeypatch, capsys) -> None:
    if shared == "postgres" and postgres_url() is None:
        pytest.skip("needs PostgreSQL")
    monkeypatch.setattr("bot.memory.settle", lambda: None)  # not in the test process
    second_settings = settings if shared == "data_dir" else _other_data_dir(settings, "2")
    async with _emulated(settings) as (running, emulator):
        first, stop = await _start_bot(running, emulator)
        second = replace(second_settings, telegram=running.telegram)
        assert await commands.run_bot(second) == commands.EXIT_BUSY
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "已被另一个 govdesk 占用" in err
        assert ("PostgreSQL" in err) == (shared == "postgres")
        stop.set()
        assert await first == commands.EXIT_OK
        again, stop = await _start_bot(second, emulator)
        stop.set()
        assert await again == commands.EXIT_OK


def test_while_a_bot_runs_readers_and_transactional_writers_work(
        settings: Settings, monkeypatch, capsys) -> None:
    assert _cli(settings, monkeypatch, capsys, "db", "upgrade")[0] == 0
    with desk_lock.acquire(settings, "run"):
        code, _out, err = _cli(settings, monkeypatch, capsys, "run")
        assert code == commands.EXIT_BUSY and "已被另一个 govdesk 占用" in err
        for command in (["kb", "reindex"], ["db", "upgrade"]):
            code, _out, err = _cli(settings, monkeypatch, capsys, *command)
            assert code == commands.EXIT_BUSY and "已被另一个 govdesk 占用" in err
        assert _cli(settings, monkeypatch, capsys, "people", "add", "9001", "新人")[0] == 0
        code, out, _err = _cli(settings, monkeypatch, capsys, "people", "list")
        assert code == 0 and "新人" in out
        assert _cli(settings, monkeypatch, capsys, "kb", "search", "打印机")[0] == 0
        from bot.doctor import check_data_dir

        lines = [check.line() for check in check_data_dir(settings)]
        assert any("机器人正在运行" in line and str(os.getpid()) in line for line in lines)
    assert _cli(settings, monkeypatch, capsys, "kb", "reindex")[0] == 0


def test_demo_refuses_a_data_dir_in_use(tmp_path: Path, capsys) -> None:
    from argparse import Namespace

    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'data' / 'govdesk.sqlite3'}")
    with desk_lock.acquire(settings, "run"):
        code = run_demo(Namespace(data=str(settings.desk.data_dir), port=0, init=False))
    assert code == commands.EXIT_BUSY and "已被另一个 govdesk 占用" in capsys.readouterr().out


async def test_run_init_starts_a_lost_desk_again(settings: Settings, monkeypatch,
                                                 capsys) -> None:
    from tests.support.databases import wipe_database
    from tests.support.factories import make_desk

    monkeypatch.setattr("bot.memory.settle", lambda: None)
    make_desk(settings).close()  # an earlier desk: its index stays in the data directory
    wipe_database(settings.database_url)
    async with _emulated(settings) as (running, emulator):
        assert await commands.run_bot(running) == commands.EXIT_CONFIG
        assert "--init" in capsys.readouterr().err
        bot, stop = await _start_bot(running, emulator, init=True)
        stop.set()
        assert await bot == commands.EXIT_OK

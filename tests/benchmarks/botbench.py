"""Shared pieces of the end-to-end bot benchmarks (bench_replies, bench_startup, bench_report).

- `TimedEmulator`: the sandbox Bot API emulator that also timestamps, per chat, every bot
  message when its sendMessage request arrives, and lets a simulated user wait for the next one.
- `bench_desk`: a desk on SQLite or on a fresh PostgreSQL schema, with many registered reporters
  and optionally the linux-command corpus imported into the knowledge base.
- `bot_running`: the real bot, either as `govdesk run` in a subprocess (the default: the bot
  has its own interpreter, as in production, and the emulator plays a remote Telegram) or in
  this process on the emulator's event loop (as the end-to-end tests run it).
- statistics and table printing.

Not collected by pytest (tests/benchmarks is excluded); imported by the bench_*.py scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import platform
import signal
import statistics
import sys
import time
import unicodedata
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.desk import Desk, open_desk  # noqa: E402
from bot.people import add_person  # noqa: E402
from bot.sandbox.demo import populate  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator  # noqa: E402
from tests.support.databases import POSTGRES_ENV, fresh_database_url  # noqa: E402
from tests.support.factories import make_settings  # noqa: E402

CORPUS = Path(os.environ.get("GOVDESK_BENCH_CORPUS", ROOT.parent / "shared/corpora/linux-command"))
FIRST_REPORTER = 100_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")
UNITS = ("市财政局 办公室", "市人社局 信息科", "市教育局 办公室", "市卫健委 规划信息处",
         "市自然资源局 信息中心", "市市场监管局 综合科", "市住建局 办公室", "市交通局 科技处")


# --- the emulator --------------------------------------------------------------------------

@dataclass
class BotMessage:
    """A bot message as its sendMessage request arrived at the emulator."""

    time: float            # time.monotonic() when the request arrived
    chat_id: int
    message: dict[str, Any]  # the stored message (text without HTML tags, reply_markup)

    @property
    def text(self) -> str:
        return self.message.get("text") or ""


class TimedEmulator(BotApiEmulator):
    """The emulator, plus per-chat arrival times of bot messages and callback answers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bot_messages: dict[int, list[BotMessage]] = defaultdict(list)
        self.answer_times: dict[str, float] = {}
        self.first_call: dict[str, float] = {}
        self._message_waiters: dict[int, deque[asyncio.Future[BotMessage]]] = defaultdict(deque)
        self._answer_waiters: dict[str, asyncio.Future[float]] = {}

    def expect_message(self, chat_id: int) -> asyncio.Future[BotMessage]:
        """A future for the next bot message in the chat: create it *before* acting."""
        future: asyncio.Future[BotMessage] = asyncio.get_running_loop().create_future()
        self._message_waiters[chat_id].append(future)
        return future

    def expect_answer(self, query_id: str) -> asyncio.Future[float]:
        """A future for the arrival time of the bot's answerCallbackQuery."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if query_id in self.answer_times:
            future.set_result(self.answer_times[query_id])
        else:
            self._answer_waiters[query_id] = future
        return future

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        """Note when each method was first requested (getUpdates is answered much later)."""
        self.first_call.setdefault(method.lower(), time.monotonic())
        return await super()._dispatch(method, params)

    def _log(self, method: str, params: dict[str, Any], started: float, status: int | None,
             description: str | None) -> None:
        super()._log(method, params, started, status, description)
        name = method.lower()
        if status != 200:
            return
        if name == "sendmessage":
            chat_id = int(params["chat_id"])
            stored = next((m for m in reversed(self.state.transcripts.get(chat_id, []))
                           if m.from_bot), None)
            sent = BotMessage(started, chat_id, stored.snapshot() if stored else {})
            self.bot_messages[chat_id].append(sent)
            waiters = self._message_waiters.get(chat_id)
            while waiters:
                future = waiters.popleft()
                if not future.done():
                    future.set_result(sent)
                    break
        elif name == "answercallbackquery":
            query_id = str(params.get("callback_query_id"))
            self.answer_times[query_id] = started
            future = self._answer_waiters.pop(query_id, None)
            if future is not None and not future.done():
                future.set_result(started)


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the first button whose label starts with `label`."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"].startswith(label):
                return button["callback_data"]
    raise LookupError(f"no button {label!r} on {message.get('text', '')[:60]!r}")


def all_buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row if "callback_data" in b]


# --- the desk ------------------------------------------------------------------------------

@contextlib.contextmanager
def database_url(kind: str, tmp: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp, or a fresh schema on $GOVDESK_TEST_DATABASE_URL."""
    if kind == "sqlite":
        saved = os.environ.pop(POSTGRES_ENV, None)
        try:
            with fresh_database_url(tmp) as url:
                yield url
        finally:
            if saved is not None:
                os.environ[POSTGRES_ENV] = saved
        return
    if not os.environ.get(POSTGRES_ENV):
        raise SystemExit(f"--db postgres needs {POSTGRES_ENV} "
                         "(eval \"$(bash .ci/start-postgres)\")")
    with fresh_database_url(tmp) as url:
        yield url


def reporter_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[index // len(SURNAMES) % len(GIVEN)] + (
        str(index // (len(SURNAMES) * len(GIVEN))) if index >= len(SURNAMES) * len(GIVEN) else "")


def bench_desk(tmp: Path, url: str, reporters: int, corpus: bool
               ) -> tuple[Desk, list[int], dict[str, Any]]:
    """A migrated desk (starter KB imported) with `reporters` extra registered reporters."""
    info: dict[str, Any] = {}
    settings = make_settings(tmp, url)
    started = time.perf_counter()
    desk = open_desk(settings)
    info["open_desk_s"] = time.perf_counter() - started
    ids = [FIRST_REPORTER + i for i in range(reporters)]
    with desk.sessions.begin() as session:
        for index, telegram_id in enumerate(ids):
            add_person(session, desk.clock, telegram_id=telegram_id, name=reporter_name(index),
                       unit=UNITS[index % len(UNITS)], roles=("reporter",), source="cli")
    if corpus:
        started = time.perf_counter()
        with desk.sessions.begin() as session:
            desk.knowledge.import_paths(session, [CORPUS])
        info["corpus_import_s"] = time.perf_counter() - started
    with desk.sessions.begin() as session:
        stats = desk.knowledge.stats(session)
    info["articles"] = stats.by_status.get("published", 0)
    info["indexed"] = stats.indexed
    return desk, ids, info


def add_users(emulator: BotApiEmulator, desk: Desk, ids: Sequence[int]) -> None:
    """The configured staff, their team groups and the benchmark reporters."""
    populate(emulator, desk.settings)
    for index, telegram_id in enumerate(ids):
        emulator.add_user(telegram_id, reporter_name(index))


# --- the bot -------------------------------------------------------------------------------

class ErrorLog(logging.Handler):
    """Collects ERROR records of the in-process bot."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@dataclass
class BotHandle:
    """The running bot: its process (if separate), its log and its CPU time."""

    mode: str
    pid: int | None = None
    log_path: Path | None = None
    error_log: ErrorLog | None = None
    spawned_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the bot process (None in-process: shared with the emulator)."""
        if self.pid is None:
            return None
        return cpu_seconds(self.pid)

    def errors(self) -> list[str]:
        if self.error_log is not None:
            return list(self.error_log.lines)
        if self.log_path is None or not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if " ERROR " in line or " CRITICAL " in line]

    def log_tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8",
                                                 errors="replace").splitlines()[-n:])


def govdesk_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m bot.cli`."""
    script = Path(sys.executable).parent / "govdesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def bot_environment(emulator: BotApiEmulator, data_dir: Path, database: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVDESK_")}
    env.update(GOVDESK_TELEGRAM_TOKEN=emulator.token, GOVDESK_TELEGRAM_API_URL=emulator.base_url,
               GOVDESK_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if os.environ.get("BENCH_BOT_PYTHONPATH"):  # for experiments: e.g. a sitecustomize.py
        env["PYTHONPATH"] = os.environ["BENCH_BOT_PYTHONPATH"]
    if database:
        env["GOVDESK_DATABASE_URL"] = database
    return env


async def spawn_govdesk(emulator: TimedEmulator, workdir: Path, env: dict[str, str],
                        config: Path | None = None, log_name: str = "bot.log",
                        ) -> tuple[asyncio.subprocess.Process, Path, float]:
    """Start `govdesk [--config X] run`; return the process, its log and the spawn time."""
    log_path = workdir / log_name
    log = log_path.open("wb")
    args = govdesk_command() + (["--config", str(config)] if config else []) + ["run"]
    spawned = time.monotonic()
    process = await asyncio.create_subprocess_exec(*args, cwd=workdir, env=env, stdout=log,
                                                   stderr=asyncio.subprocess.STDOUT)
    log.close()
    return process, log_path, spawned


async def wait_first_poll(emulator: TimedEmulator, process: asyncio.subprocess.Process | None,
                          log_path: Path | None, timeout: float = 120.0) -> float:
    """Wait for the bot's first getUpdates; return its arrival time."""
    deadline = time.monotonic() + timeout
    while "getupdates" not in emulator.first_call:
        if process is not None and process.returncode is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise RuntimeError(f"govdesk exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not poll in time")
        await asyncio.sleep(0.005)
    return emulator.first_call["getupdates"]


async def stop_process(process: asyncio.subprocess.Process, timeout: float = 20.0) -> int:
    """SIGTERM (a clean stop, as Ctrl+C), SIGKILL if it hangs; return the exit code."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode


@contextlib.asynccontextmanager
async def bot_running(mode: str, desk: Desk, emulator: TimedEmulator, workdir: Path
                      ) -> AsyncIterator[BotHandle]:
    """The real bot against the emulator until the block ends."""
    if mode == "inprocess":
        from tests.support.sandbox import running_bot

        errors = ErrorLog()
        logging.getLogger().addHandler(errors)
        try:
            async with running_bot(desk, emulator):
                yield BotHandle(mode, error_log=errors)
        finally:
            logging.getLogger().removeHandler(errors)
        return
    if desk.knowledge is not None:
        desk.knowledge.close()
    desk.engine.dispose()
    config = workdir / "govdesk.toml"
    env = bot_environment(emulator, desk.settings.desk.data_dir, desk.settings.database_url)
    process, log_path, spawned = await spawn_govdesk(emulator, workdir, env, config)
    handle = BotHandle(mode, pid=process.pid, log_path=log_path, spawned_at=spawned)
    try:
        await wait_first_poll(emulator, process, log_path)
        settle_harness()
        yield handle
    finally:
        handle.extra["exit_code"] = await stop_process(process)


def settle_harness() -> None:
    """Keep the harness's own garbage collector out of the measurement.

    This process plays Telegram. Its heap holds the seeding desk's objects and everything the
    emulator keeps; a full collection of it stalled the emulator for 130–140 ms in the middle
    of a run (measured with gc.callbacks) — a pause real Telegram never adds to the bot's
    answers. What exists before the measurement is frozen, as the bot freezes its own
    (bot.memory.settle).
    """
    gc.collect()
    gc.freeze()


# --- /proc ---------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """Child processes (recursively), from /proc/PID/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found.append(int(child))
                found.extend(descendants(int(child)))
    return found


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


# --- numbers and tables --------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c + " " * (w - width(c)) for c, w in zip(row, widths, strict=True))
             + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average {load}")


async def getme_floor(emulator: BotApiEmulator, n: int = 200) -> list[float]:
    """Round trips of getMe to the emulator through httpx (the transport PTB uses)."""
    import httpx

    url = f"{emulator.base_url}{emulator.token}/getMe"
    times = []
    async with httpx.AsyncClient() as client:
        for _ in range(20):
            await client.post(url)
        for _ in range(n):
            started = time.perf_counter()
            response = await client.post(url)
            times.append(time.perf_counter() - started)
            response.raise_for_status()
    return times


def quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

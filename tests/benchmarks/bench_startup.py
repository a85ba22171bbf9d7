"""Start-up time and idle memory of `govdesk run` (the real CLI, in a subprocess).

The Bot API emulator runs in this process; the bot is started with GOVDESK_TELEGRAM_TOKEN,
GOVDESK_TELEGRAM_API_URL and GOVDESK_DATA_DIR pointing at it and at a temporary directory, and
no config file (the built-in defaults). Measured from the spawn of `govdesk run`:
- getMe / first getUpdates arrival at the emulator (the bot is answering from then on);
- VmRSS (and VmHWM, the peak) of the process and any children after 5 s idle, and the CPU it
  used while idle (long polling must not spin);
- the time to exit after SIGTERM.
Rows: first start (empty data dir: migrations, starter knowledge base import, index build),
warm start (same data dir again), and warm start with the linux-command corpus imported
(`govdesk kb import`), each repeated --reps times; medians are shown. Baselines measured in
the same run: a bare `python -c pass` (start-up, RSS) and `python -c "import bot.app, …"`.
The goals (issue 2): first getUpdates ≤ 3 s, idle RSS ≤ 150 MB.

    python tests/benchmarks/bench_startup.py [--db sqlite|postgres] [--reps 3] [--idle 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import botbench as bb  # noqa: E402

IMPORTS = "import bot.app, bot.commands, knowledge, jieba, whoosh, sqlalchemy, alembic"


async def start_once(args: argparse.Namespace, data_dir: Path, database: str | None
                     ) -> dict[str, float]:
    """One `govdesk run`: start, idle, measure, SIGTERM."""
    emulator = bb.TimedEmulator()
    await emulator.start()
    try:
        env = bb.bot_environment(emulator, data_dir, database)
        process, log_path, spawned = await bb.spawn_govdesk(emulator, data_dir.parent, env,
                                                            log_name=f"{data_dir.name}.log")
        first_poll = await bb.wait_first_poll(emulator, process, log_path)
        cpu_at_poll = bb.cpu_seconds(process.pid)
        await asyncio.sleep(args.idle)
        pids = [process.pid] + bb.descendants(process.pid)
        rss = sum(bb.status_kb(pid, "VmRSS") for pid in pids)
        hwm = sum(bb.status_kb(pid, "VmHWM") for pid in pids)
        idle_cpu = bb.cpu_seconds(process.pid) - cpu_at_poll
        stopping = time.monotonic()
        code = await bb.stop_process(process)
        stopped = time.monotonic()
        errors = [line for line in log_path.read_text(errors="replace").splitlines()
                  if " ERROR " in line or "Traceback" in line]
        if code != 0 or errors:
            print(f"  ! exit code {code}, {len(errors)} errors:\n" + log_path.read_text()[-2000:])
        return {
            "getme": emulator.first_call.get("getme", float("nan")) - spawned,
            "poll": first_poll - spawned,
            "rss": rss / 1024, "hwm": hwm / 1024, "children": len(pids) - 1,
            "idle_cpu": idle_cpu, "stop": stopped - stopping, "exit": code,
            "errors": len(errors),
        }
    finally:
        await emulator.stop()


def baseline(code: str, reps: int) -> tuple[float, float]:
    """Median wall time and peak RSS (VmHWM, MB) of `python -c CODE`."""
    times, peaks = [], []
    for _ in range(reps):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code + "\nimport pathlib\nprint(pathlib.Path("
             "'/proc/self/status').read_text().split('VmHWM:')[1].split()[0])"],
            check=True, capture_output=True, text=True, cwd=bb.ROOT)
        times.append(time.perf_counter() - started)
        peaks.append(int(out.stdout.split()[-1]) / 1024)
    return bb.median(times), bb.median(peaks)


def import_corpus(data_dir: Path, database: str | None) -> tuple[float, str]:
    """Import the linux-command corpus into a data dir: `govdesk kb import`, or the library's
    KnowledgeBase.import_paths while that command is missing; return seconds and the way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVDESK_")}
    env["GOVDESK_DATA_DIR"] = str(data_dir)
    if database:
        env["GOVDESK_DATABASE_URL"] = database
    started = time.perf_counter()
    done = subprocess.run(bb.govdesk_command() + ["kb", "import", str(bb.CORPUS)],
                          capture_output=True, text=True, env=env, cwd=data_dir.parent)
    if done.returncode == 0:
        return time.perf_counter() - started, "`govdesk kb import`"
    if "invalid choice: 'kb'" not in done.stderr:
        raise RuntimeError(done.stderr[-2000:])
    script = ("import sys; from bot.config import load_settings; from bot.desk import open_desk\n"
              "desk = open_desk(load_settings(None))\n"
              "with desk.sessions.begin() as s: desk.knowledge.import_paths(s, [sys.argv[1]])\n")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, str(bb.CORPUS)], check=True, env=env,
                   cwd=data_dir.parent, capture_output=True)
    return time.perf_counter() - started, "KnowledgeBase.import_paths (no `govdesk kb` yet)"


@contextlib.contextmanager
def database_for(args: argparse.Namespace, tmp: Path):
    """None for SQLite (the default file in the data dir), else a fresh PostgreSQL schema."""
    if args.db == "sqlite":
        yield None
    else:
        with bb.database_url("postgres", tmp) as url:
            yield url


async def main_async(args: argparse.Namespace) -> int:
    bb.quiet_logging()
    print(f"machine: {bb.machine()}")
    bare_time, bare_rss = baseline("pass", args.reps)
    import_time, import_rss = baseline(IMPORTS, args.reps)
    results: dict[str, list[dict[str, float]]] = {"first": [], "warm": [], "corpus": []}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as name:
        tmp = Path(name)
        for rep in range(args.reps):
            with database_for(args, tmp / f"pg{rep}") as database:
                data_dir = tmp / f"data{rep}"
                results["first"].append(await start_once(args, data_dir, database))
                results["warm"].append(await start_once(args, data_dir, database))
            print(f"  repetition {rep + 1}/{args.reps}: first start "
                  f"{results['first'][-1]['poll']:.2f} s, warm start "
                  f"{results['warm'][-1]['poll']:.2f} s", flush=True)
        corpus_import, how = float("nan"), ""
        if not args.no_corpus:
            with database_for(args, tmp / "pgc") as database:
                data_dir = tmp / "data-corpus"
                await start_once(args, data_dir, database)
                corpus_import, how = import_corpus(data_dir, database)
                for _ in range(args.reps):
                    results["corpus"].append(await start_once(args, data_dir, database))
    labels = {"first": "first start (empty data dir)", "warm": "warm start",
              "corpus": "warm start, linux-command KB (622 articles)"}
    rows = []
    for key, runs in results.items():
        if not runs:
            continue
        poll = [r["poll"] for r in runs]
        rows.append([
            labels[key], len(runs),
            f"{bb.median([r['getme'] for r in runs]):.2f}",
            f"{bb.median(poll):.2f} ({min(poll):.2f}–{max(poll):.2f})",
            f"{bb.median(poll) / bare_time:.0f}×",
            f"{bb.median([r['rss'] for r in runs]):.0f}",
            f"{bb.median([r['hwm'] for r in runs]):.0f}",
            f"{bb.median([r['rss'] for r in runs]) / bare_rss:.0f}×",
            f"{bb.median([r['idle_cpu'] for r in runs]) * 1000:.0f}",
            f"{bb.median([r['stop'] for r in runs]):.2f}",
            int(max(r["children"] for r in runs)),
            int(sum(r["errors"] for r in runs)),
        ])
    print()
    print(f"baselines: `python -c pass` {bare_time * 1000:.0f} ms, {bare_rss:.0f} MB peak RSS; "
          f"`python -c \"{IMPORTS}\"` {import_time:.2f} s, {import_rss:.0f} MB peak RSS")
    if corpus_import == corpus_import:
        print(f"import of the linux-command corpus with {how}: {corpus_import:.1f} s")
    print(bb.table(["start", "runs", "getMe s", "first getUpdates s (range)", "÷ bare python",
                    f"RSS after {args.idle:g} s idle MB", "peak RSS MB", "÷ bare python",
                    f"CPU in {args.idle:g} s idle ms", "SIGTERM→exit s", "children", "errors"],
                   rows))
    every = [r for runs in results.values() for r in runs]
    return 0 if all(r["exit"] == 0 and not r["errors"] for r in every) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before RSS")
    parser.add_argument("--no-corpus", action="store_true", help="skip the linux-command row")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

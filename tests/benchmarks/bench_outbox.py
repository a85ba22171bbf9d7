"""1,000 SLA reminders falling due in the same minute, for 20 groups and 500 people.

20 teams, each with a group chat and 25 technicians (500 people). 1,000 tickets reach their
50 % threshold at the same moment: 500 claimed ones (one per technician: a private reminder)
and 500 unclaimed ones (25 per team: a reminder in the team's group). The real bot sweeps and
delivers them through PTB's AIORateLimiter to the Bot API emulator, which checks Telegram's
flood limits (30 messages/s overall, 20 per minute into one group) and counts violations.

Measured: the sweep (in-process mode), and the delivery from the first reminder to the last
arriving at the emulator, against the least time the limits allow: a burst of 30, then 30 a
second — (N − 30) / 30 s — or, per group, a burst of 20, then one every 3 s. Checked: every
reminder arrived exactly once, in its chat, and the outbox rows are all sent.

    python tests/benchmarks/bench_outbox.py --db sqlite|postgres [--bot inprocess|subprocess]
        [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import botbench as bb  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bot.desk import Desk, open_desk  # noqa: E402
from bot.models import Category, Notification, Person, Team, Ticket  # noqa: E402
from bot.sandbox.demo import populate  # noqa: E402
from handlers.notify import SENDER_KEY  # noqa: E402
from schedules.sla_sweep import sweep  # noqa: E402
from tests.support.factories import make_settings  # noqa: E402
from tests.support.sandbox import running_bot  # noqa: E402

RESULTS = bb.ROOT / "docs" / "BENCHMARKS.md"
HEADING = "## Outbox delivery"
INTRO = ("1,000 SLA reminders due in the same minute for 20 groups and 500 people, swept and "
         "delivered by the real bot through PTB's AIORateLimiter to the Bot API emulator, which "
         "counts flood-limit violations; see tests/benchmarks/bench_outbox.py. *delivery* is "
         "first to last arrival; *limit-bound* is the least time Telegram's limits allow "
         "(a burst of 30, then 30/s; per group a burst of 20, then 1 per 3 s). The outbox paces "
         "itself at 28/s (burst 14) and 19/min per group, a margin under the limits.\n")
TEAMS, PER_TEAM = 20, 25
FIRST_TECH, GROUP_BASE = 300_000, -5_000_000


def staff_toml() -> str:
    """20 teams with groups, a category each, 25 technicians each, one reporter."""
    parts = []
    for t in range(TEAMS):
        parts.append(f'[[teams]]\ncode = "t{t:02d}"\nname = "运维{t + 1}组"\n'
                     f"chat_id = {GROUP_BASE - t}\nleads = []\n")
        parts.append(f'[[categories]]\ncode = "c{t:02d}"\nname = "服务{t + 1}"\n'
                     f'group = "信息化基础设施"\nteam = "t{t:02d}"\n')
    parts.append('[[people]]\ntelegram_id = 1001\nname = "王芳"\nunit = "市财政局"\n'
                 'roles = ["reporter"]\n')
    for t in range(TEAMS):
        for k in range(PER_TEAM):
            parts.append(f"[[people]]\ntelegram_id = {FIRST_TECH + t * PER_TEAM + k}\n"
                         f'name = "工程师{t * PER_TEAM + k}"\nunit = "信息中心"\n'
                         f'roles = ["technician"]\nteams = ["t{t:02d}"]\n')
    return "\n".join(parts)


def seed(desk: Desk) -> int:
    """1,000 P2 tickets at exactly 50 % of a target now; return how many."""
    now = desk.clock.now()
    with desk.sessions.begin() as session:
        reporter = session.scalar(select(Person.id).where(Person.telegram_id == 1001))
        teams = {t.code: t.id for t in session.scalars(select(Team))}
        categories = {c.team_id: c.id for c in session.scalars(select(Category))}
        techs = {p.telegram_id: p.id for p in session.scalars(
            select(Person).where(Person.telegram_id >= FIRST_TECH))}
    rows = []
    for i in range(TEAMS * PER_TEAM * 2):
        claimed = i < TEAMS * PER_TEAM
        team = teams[f"t{(i % (TEAMS * PER_TEAM)) // PER_TEAM:02d}"]
        rows.append({
            "number": f"O{i:06d}", "submission_key": f"outbox-{i}", "reporter_id": reporter,
            "reporter_unit": "市财政局", "category_id": categories[team], "team_id": team,
            "assignee_id": techs[FIRST_TECH + i] if claimed else None,
            "description": f"基准测试 {i}：交换机告警", "impact": "department",
            "urgency": "outage", "priority": "P2", "status": "assigned" if claimed else "new",
            "reopen_count": 0, "created_at": now - timedelta(hours=1), "updated_at": now,
            "claimed_at": now if claimed else None,
            "response_due_at": now + timedelta(minutes=15),
            "resolution_due_at": now + timedelta(hours=4),
            "response_used_minutes": 10.0 if claimed else 15.0,
            "response_since": None if claimed else now - timedelta(minutes=1),
            "response_stopped_at": now - timedelta(minutes=50) if claimed else None,
            "response_alerted_percent": 0,
            "resolution_used_minutes": 240.0 if claimed else 0.0,
            "resolution_since": now - timedelta(minutes=1), "resolution_stopped_at": None,
            "resolution_alerted_percent": 0, "sla_paused_at": None, "sla_paused_minutes": 0.0,
            "next_sla_check_at": now - timedelta(minutes=1),
        })
    with desk.sessions.begin() as session:
        session.execute(insert(Ticket.__table__), rows)
    return len(rows)


async def delivered(desk: Desk, expected: int, timeout: float) -> None:
    """Wait until every SLA message is sent (or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with desk.sessions.begin() as session:
            done = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.kind == "sla_alert", Notification.status != "pending"))
        if done >= expected:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"only {done} of {expected} delivered in {timeout} s")


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as name:
        tmp = Path(name)
        with bb.database_url(args.db, tmp) as url:
            desk = open_desk(make_settings(tmp, url, people=staff_toml()), with_knowledge=False)
            emulator = bb.TimedEmulator()
            await emulator.start()
            populate(emulator, desk.settings)
            try:
                tickets = seed(desk)
                result = await deliver(args, desk, emulator, tmp, tickets)
            finally:
                await emulator.stop()
            checker = open_desk(desk.settings, migrate=False, with_knowledge=False)
            result.update(verdict(checker, emulator, tickets))
            checker.engine.dispose()
            desk.engine.dispose()
    return result


async def deliver(args: argparse.Namespace, desk: Desk, emulator: bb.TimedEmulator,
                  tmp: Path, tickets: int) -> dict:
    """Run the bot until every reminder went out; in-process, sweep and time it here."""
    result: dict = {"tickets": tickets}
    if args.bot == "subprocess":  # its own scheduler sweeps two seconds after the start
        async with bb.bot_running(args.bot, desk, emulator, tmp) as bot:
            await delivered(desk, tickets, timeout=300)
            result["errors"] = bot.errors()
        return result
    errors = bb.ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        async with running_bot(desk, emulator) as chat:
            started = time.perf_counter()
            result["alerts"] = await asyncio.to_thread(sweep, desk)
            result["sweep_s"] = time.perf_counter() - started
            chat.application.bot_data[SENDER_KEY].wake()
            await delivered(desk, tickets, timeout=300)
    finally:
        logging.getLogger().removeHandler(errors)
    result["errors"] = bb.BotHandle("inprocess", error_log=errors).errors()
    return result


def verdict(desk: Desk, emulator: bb.TimedEmulator, tickets: int) -> dict:
    arrivals = sorted((m.time, chat_id, m.text) for chat_id, messages in
                      emulator.bot_messages.items() for m in messages if "SLA 提醒" in m.text)
    per_chat = Counter(chat_id for _, chat_id, _ in arrivals)
    numbers = Counter(text.split("工单 ")[1].split("（")[0] for _, _, text in arrivals)
    groups = [c for c in per_chat if c < 0]
    with desk.sessions.begin() as session:
        statuses = dict(session.execute(select(Notification.status, func.count()).where(
            Notification.kind == "sla_alert").group_by(Notification.status)).all())
    span = arrivals[-1][0] - arrivals[0][0] if arrivals else float("nan")
    per_group = max((per_chat[c] for c in groups), default=0)
    bound = max((len(arrivals) - 30) / 30, (per_group - 20) * 3, 0)
    return {
        "messages": len(arrivals), "chats": len(per_chat), "groups": len(groups),
        "duplicates": sum(n - 1 for n in numbers.values() if n > 1),
        "missing": tickets - len(numbers), "statuses": statuses, "span_s": span,
        "bound_s": bound, "violations": len(emulator.faults.rate_limits.violations),
        "violation_scopes": dict(Counter(v["scope"] for v in
                                         emulator.faults.rate_limits.violations)),
        "http_429": sum(1 for c in emulator.calls_to("sendMessage") if c.status == 429),
    }


def report(args: argparse.Namespace, result: dict) -> str:
    ok = (result["messages"] == result["tickets"] and not result["duplicates"]
          and not result["missing"] and result["violations"] == 0
          and result["statuses"] == {"sent": result["tickets"]})
    rows = [[args.db, args.bot, f"{result['messages']:,}",
             f"{result['chats']} ({result['groups']} groups)",
             f"{result['sweep_s']:.2f}" if "sweep_s" in result else "—",
             f"{result['span_s']:.1f}", f"{result['bound_s']:.1f}",
             f"{result['span_s'] / result['bound_s']:.2f}×" if result["bound_s"] else "—",
             result["duplicates"], result["missing"], result["violations"], result["http_429"],
             "✓" if ok and not result["errors"] else "✗"]]
    return bb.table(["db", "bot", "reminders", "chats", "sweep s", "delivery s",
                     "limit-bound s", "vs bound", "dup", "lost", "violations", "429s", "ok"],
                    rows)


def write(args: argparse.Namespace, table: str) -> None:
    """Replace this database's block in docs/BENCHMARKS.md's Outbox delivery section."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    if HEADING not in text:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{INTRO}"
    head, _, rest = text.partition(HEADING)
    section, sep, tail = rest.partition("\n## ")
    key = f"{args.db}, {args.bot}"
    block = (f"\n### {key}\n\n`python tests/benchmarks/bench_outbox.py --db {args.db} --bot "
             f"{args.bot}` — {time.strftime('%Y-%m-%d')}, {bb.machine()}\n\n{table}\n")
    marker = f"\n### {key}\n"
    if marker in section:
        before, _, after = section.partition(marker)
        after = after[after.index("\n### "):] if "\n### " in after else "\n"
        section = before + block + after
    else:
        section = section.rstrip("\n") + "\n" + block
    RESULTS.write_text(head + HEADING + section + (sep + tail if sep else ""), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--bot", choices=("inprocess", "subprocess"), default="inprocess")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args()
    bb.quiet_logging()
    print(f"machine: {bb.machine()}", flush=True)
    result = asyncio.run(run(args))
    table = report(args, result)
    print(table)
    print("outbox rows:", result["statuses"], "violations:", result["violation_scopes"])
    for line in result["errors"][:10]:
        print("bot error:", line)
    if args.write:
        write(args, table)
    ok = "✓" in table.splitlines()[-1]
    print("goal met (all delivered once, no violations)" if ok else "goal NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

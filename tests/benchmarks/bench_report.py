"""Many reporters completing /report at the same time, through the Bot API emulator.

Each simulated reporter (a distinct registered person) walks the conversation of
tests/e2e/test_report.py: /report → category button → description → impact → urgency →
(「仍需报修」 if articles are offered) → summary → 确认提交, thinking --think seconds between
steps; they start spread over --ramp seconds, so all of them have a report open at once.
Every --double-th reporter presses 确认提交 twice at once (the second must be refused as
「已提交过」). Step latency = from the person's message or button press being queued in the
emulator to the bot's next message (sendMessage) arriving; button presses also get the
answerCallbackQuery latency.

Checks: every reporter gets exactly one ticket (and one card in the outbox), no step times
out, no 「系统繁忙」 answer, no ERROR in the bot's log. The goal (issue 4): p95 per step ≤ 80 ms.
The bot sends at most 30 messages/s (Telegram's limit, enforced by PTB's AIORateLimiter and
by the emulator); --think 0 --ramp 0 shows what happens when 200 people press at once.

    python tests/benchmarks/bench_report.py [--db sqlite|postgres] [--reporters 200]
        [--think 6,12] [--ramp 20] [--reps 1] [--bot subprocess|inprocess]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import botbench as bb  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.models import Ticket  # noqa: E402
from handlers.renderers.common import BUSY  # noqa: E402

DESCRIPTIONS = (
    "三楼办公室整层上不了网，网线灯不亮",
    "财务系统登录后白屏，换浏览器也一样",
    "打印机卡纸，无法打印",
    "OA 公文流转提示会话超时，重新登录还是不行",
    "视频会议室投影仪没有信号",
    "电脑开机蓝屏，重启几次都一样",
    "VPN 拨号成功但访问不了内网业务系统",
    "邮箱收不到外部邮件，发件人说被退回",
    "服务器磁盘空间告警，已用 95%",
    "电子印章签章失败，提示证书过期",
    "政务外网网速很慢，打开网页要一分钟",
    "共享文件夹访问被拒绝",
)
IMPACTS = ("个人", "部门", "全单位或对外服务")
URGENCIES = ("可延后", "影响工作", "业务中断")
STEPS = ("/report", "分类", "描述", "影响范围", "紧急程度", "仍需报修", "确认提交")


class StepFailed(Exception):
    pass


class Reporters:
    """Runs the reporters and keeps per-step latencies and anomalies."""

    def __init__(self, emulator: bb.TimedEmulator, args: argparse.Namespace) -> None:
        self.emulator = emulator
        self.args = args
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.answer_latency: list[float] = []
        self.failures: list[str] = []
        self.second_press: Counter[str] = Counter()
        self.expected: Counter[int] = Counter()
        self.done = 0

    async def wait(self, future: asyncio.Future[bb.BotMessage], started: float, step: str,
                   expect: tuple[str, ...], user: int) -> bb.BotMessage:
        try:
            message = await asyncio.wait_for(future, self.args.timeout)
        except TimeoutError:
            raise StepFailed(f"{user} {step}: no answer in {self.args.timeout} s") from None
        self.latency[step].append(message.time - started)
        self.expected[user] += 1
        if not any(word in message.text for word in expect):
            raise StepFailed(f"{user} {step}: unexpected {message.text[:80]!r}")
        return message

    async def say(self, user: int, text: str, step: str, expect: tuple[str, ...]
                  ) -> bb.BotMessage:
        future = self.emulator.expect_message(user)
        started = time.monotonic()
        await self.emulator.send_text(user, user, text)
        return await self.wait(future, started, step, expect, user)

    async def press(self, user: int, message: bb.BotMessage, label: str, step: str,
                    expect: tuple[str, ...]) -> bb.BotMessage:
        future = self.emulator.expect_message(user)
        data = bb.button_data(message.message, label)
        started = time.monotonic()
        query = await self.emulator.press_button(user, user, message.message["message_id"], data)
        answered = self.emulator.expect_answer(query)
        reply = await self.wait(future, started, step, expect, user)
        try:
            self.answer_latency.append(await asyncio.wait_for(answered, 5.0) - started)
        except TimeoutError:
            self.failures.append(f"{user} {step}: button press never answered")
        return reply

    async def think(self, rng: random.Random) -> None:
        low, high = self.args.think
        if high > 0:
            await asyncio.sleep(rng.uniform(low, high))

    async def one(self, index: int, user: int) -> None:
        rng = random.Random(index)
        await asyncio.sleep(rng.uniform(0, self.args.ramp) if self.args.ramp else 0)
        try:
            step = await self.say(user, "/report", STEPS[0], ("服务分类",))
            await self.think(rng)
            categories = bb.all_buttons(step.message)
            label = categories[index % len(categories)][0]
            step = await self.press(user, step, label, STEPS[1], ("描述问题",))
            await self.think(rng)
            text = f"{DESCRIPTIONS[index % len(DESCRIPTIONS)]}（报修人 {index}）"
            step = await self.say(user, text, STEPS[2], ("影响范围",))
            await self.think(rng)
            step = await self.press(user, step, IMPACTS[index % 3], STEPS[3], ("紧急程度",))
            await self.think(rng)
            step = await self.press(user, step, URGENCIES[index // 3 % 3], STEPS[4],
                                    ("请确认报修信息", "知识库文章"))
            if "知识库文章" in step.text:
                await self.think(rng)
                step = await self.press(user, step, "仍需报修", STEPS[5], ("请确认报修信息",))
            await self.think(rng)
            await self.submit(index, user, step)
            self.done += 1
        except (StepFailed, LookupError) as error:
            self.failures.append(str(error))

    async def submit(self, index: int, user: int, summary: bb.BotMessage) -> None:
        double = self.args.double and index % self.args.double == 0
        future = self.emulator.expect_message(user)
        data = bb.button_data(summary.message, "确认提交")
        started = time.monotonic()
        message_id = summary.message["message_id"]
        first = await self.emulator.press_button(user, user, message_id, data)
        second = (await self.emulator.press_button(user, user, message_id, data)
                  if double else None)
        await self.wait(future, started, STEPS[6], ("报修已提交",), user)
        if second is not None:
            answer = await self.emulator.wait_for_answer(second, 5.0)
            text = (answer or {}).get("text") or ""
            self.second_press["已提交过" if "已提交过" in text else text[:30] or "none"] += 1
        elif await self.emulator.wait_for_answer(first, 5.0) is None:
            self.failures.append(f"{user} 确认提交: press never answered")


async def main_async(args: argparse.Namespace) -> int:
    bb.quiet_logging()
    print(f"machine: {bb.machine()}")
    reps = []
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
            tmp = Path(name)
            with bb.database_url(args.db, tmp) as url:
                desk, ids, info = await asyncio.to_thread(
                    bb.bench_desk, tmp, url, args.reporters, args.kb == "linux-command")
                if rep == 0:
                    print(f"desk: {args.db}, {args.reporters} reporters, knowledge base "
                          f"{args.kb}: {info['articles']} published articles")
                emulator = bb.TimedEmulator()
                await emulator.start()
                bb.add_users(emulator, desk, ids)
                try:
                    reps.append(await _run(args, desk, ids, emulator, tmp))
                finally:
                    await emulator.stop()
                    desk.engine.dispose()
        print(f"  repetition {rep + 1}/{args.reps}: {reps[-1]['summary']}", flush=True)
    _print(args, reps)
    return 0 if all(r["ok"] for r in reps) else 1


async def _run(args: argparse.Namespace, desk, ids: list[int], emulator: bb.TimedEmulator,
               tmp: Path) -> dict:
    """One repetition: every reporter through /report; latencies and checks."""
    floor = bb.median(await bb.getme_floor(emulator))
    async with bb.bot_running(args.bot, desk, emulator, tmp) as bot:
        reporters = Reporters(emulator, args)
        cpu_before = bot.cpu_seconds()
        started = time.monotonic()
        await asyncio.gather(*(reporters.one(i, user) for i, user in enumerate(ids)))
        elapsed = time.monotonic() - started
        cpu = bot.cpu_seconds() - cpu_before if cpu_before is not None else None
        await asyncio.sleep(1.5)
        errors = bot.errors()
    with desk.sessions.begin() as session:
        per_reporter = session.execute(
            select(Ticket.reporter_id, func.count(Ticket.id)).group_by(Ticket.reporter_id)
        ).all()
        tickets = session.scalar(select(func.count(Ticket.id)))
        numbers = session.scalar(select(func.count(func.distinct(Ticket.number))))
        cards = _cards(session)
    busy = sum(1 for chat in ids for m in emulator.bot_messages.get(chat, [])
               if "系统繁忙" in m.text)
    busy += sum(1 for a in emulator.state.callback_answers.values()
                if BUSY[:4] in (a.get("text") or ""))
    extra = sum(max(0, len(emulator.bot_messages.get(chat, [])) - reporters.expected[chat])
                for chat in ids)
    messages = sum(len(emulator.bot_messages.get(chat, [])) for chat in ids)
    wrong = [r for r, n in per_reporter if n != 1]
    ok = (reporters.done == len(ids) and tickets == len(ids) and not wrong and not busy
          and not errors and not reporters.failures and numbers == tickets
          and not cards["duplicates"] and not extra
          and set(reporters.second_press) <= {"已提交过"})
    summary = (
        f"{reporters.done}/{len(ids)} finished in {elapsed:.1f} s "
        f"({messages / elapsed:.1f} bot messages/s to reporters"
        + (f", bot CPU {cpu:.1f} s = {cpu / max(messages, 1) * 1000:.1f} ms/message"
           if cpu is not None else "") + "); "
        f"tickets {tickets} for {len(per_reporter)} reporters ({len(wrong)} with ≠ 1), "
        f"{numbers} distinct numbers; cards in the outbox {cards['cards']} for "
        f"{cards['tickets']} tickets ({cards['duplicates']} duplicate); double 确认提交 "
        f"{dict(reporters.second_press)}; failures {len(reporters.failures)}, 系统繁忙 {busy}, "
        f"extra messages {extra}, ERROR log lines {len(errors)}"
        + ("" if ok else "  ← FAILED"))
    for line in (reporters.failures + errors)[:15]:
        print("  ", line)
    return {"latency": dict(reporters.latency), "answers": reporters.answer_latency,
            "floor": floor, "summary": summary, "ok": ok}


def _print(args: argparse.Namespace, reps: list[dict]) -> None:
    """Per step: the median over repetitions of each percentile, and the worst case."""
    floor = bb.median([r["floor"] for r in reps])

    def row(label: str, runs: list[list[float]], ratio: bool = True) -> list:
        runs = [values for values in runs if values]
        if not runs:
            return [label, 0, "—", "—", "—", "—", "—", "—"]
        p95s = [bb.percentile(values, 95) for values in runs]
        return [label, sum(len(v) for v in runs),
                bb.ms(bb.median([bb.percentile(v, 50) for v in runs])),
                bb.ms(bb.median(p95s)), f"{bb.ms(min(p95s))}–{bb.ms(max(p95s))}",
                bb.ms(bb.median([bb.percentile(v, 99) for v in runs])),
                bb.ms(max(max(v) for v in runs)),
                f"{bb.median(p95s) / floor:.0f}×" if ratio else "—"]

    rows = [row(step, [r["latency"].get(step, []) for r in reps]) for step in STEPS]
    rows.append(row("all steps", [[v for values in r["latency"].values() for v in values]
                                  for r in reps]))
    rows.append(row("(button → answerCallbackQuery)", [r["answers"] for r in reps], False))
    print()
    print(f"getMe round trip through the emulator (transport floor): median {bb.ms(floor)} ms")
    print(f"{args.reporters} reporters, think {args.think[0]:g}–{args.think[1]:g} s, ramp "
          f"{args.ramp:g} s, {len(reps)} repetition(s); medians over repetitions:")
    print(bb.table(["step", "n", "p50 ms", "p95 ms", "p95 range", "p99 ms", "max ms",
                    "p95/getMe"], rows))
    for index, rep in enumerate(reps, start=1):
        print(f"repetition {index}: {rep['summary']}")


def _cards(session) -> dict[str, int]:
    """New-ticket cards enqueued in the outbox: how many, for how many tickets, duplicates."""
    from bot.models import Notification

    rows = session.execute(
        select(Notification.ticket_id, Notification.chat_id, func.count())
        .where(Notification.kind == "card")
        .group_by(Notification.ticket_id, Notification.chat_id)
    ).all()
    return {"cards": sum(n for _, _, n in rows), "tickets": len({t for t, _, _ in rows}),
            "duplicates": sum(n - 1 for _, _, n in rows if n > 1)}


def _think(text: str) -> tuple[float, float]:
    low, _, high = text.partition(",")
    return float(low), float(high or low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--kb", choices=("starter", "linux-command"), default="starter")
    parser.add_argument("--bot", choices=("subprocess", "inprocess"), default="subprocess")
    parser.add_argument("--reporters", type=int, default=200)
    parser.add_argument("--think", type=_think, default=(6.0, 12.0),
                        help="seconds between steps, MIN,MAX (0 = none)")
    parser.add_argument("--ramp", type=float, default=20.0, help="start spread in seconds")
    parser.add_argument("--double", type=int, default=10,
                        help="every N-th reporter presses 确认提交 twice (0 = none)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per step, seconds")
    parser.add_argument("--reps", type=int, default=1, help="repetitions, each on a fresh "
                        "database (one takes about 1.5 min with the defaults)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

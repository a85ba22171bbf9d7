"""Reply latency through the Bot API emulator: /help and plain text (a knowledge-base question).

Latency = from the simulated user's message being queued in the emulator (what Telegram does
when a person presses send) to the bot's sendMessage request arriving at the emulator. The bot
is `govdesk run` in a subprocess (default) or in this process (--bot inprocess, as in the e2e
tests: then it shares one core and one event loop with the emulator).

Scenarios, each with many distinct registered reporters:
- 1 user: one message at a time, waiting for each answer;
- 20 users, burst: 20 different people send at the same instant (one getUpdates batch), every
  second (20 msg/s, under Telegram's and the bot's 30 msg/s limit);
- 20 users, steady: 20 people in closed loops, each waiting 0.5–1.5 s after an answer;
- 20 users act at once (issue 13): 20 different people act in the same instant, each one
  thing a person does — /help, a question, /report, or a press on the category buttons of
  the /report prompt they got before — and each direct reply's latency is measured; rounds
  2.5 s apart (the open conversations are cancelled between rounds, unmeasured); with
  --backlog N the outbox is also delivering N notices to other people at that moment.
The goals: p95 ≤ 50 ms at 20 users (issue 2); p95 ≤ 100 ms when 20 act at once (issue 13);
every message answered exactly once.

    python tests/benchmarks/bench_replies.py [--db sqlite|postgres] [--kb starter|linux-command]
        [--bot subprocess|inprocess] [--reps 3] [--rounds 8] [--steady 8]
        [--only at-once] [--backlog 60]   # issue 13: 20 act at once, the outbox busy
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import botbench as bb  # noqa: E402

QUESTIONS = (
    # the desk's own subjects (starter KB)
    "密码忘了怎么办",
    "电脑开不了机",
    "打印机无法打印，显示脱机",
    "VPN 连不上",
    "OA 系统登录不了",
    "邮箱满了收不到邮件",
    "网络断了上不了网",
    "公文系统打不开",
    "电子印章怎么申请",
    "U盘拷不进文件",
    "怎么申请开通内网账号",
    "视频会议没有声音",
    "浏览器提示证书错误",
    "电脑中毒了弹窗很多",
    # the linux-command corpus's subjects (how_questions style)
    "怎么看硬盘还剩多少空间",
    "哪个程序占用了 8080 端口，怎么查",
    "服务器内存还剩多少怎么看",
    "有个进程卡死了，怎么强制把它结束掉",
    "在服务器上新建一个登录账号",
    "脚本没有执行权限，怎么加上",
    "在一堆日志里找出包含 error 的行",
    "日志在不停写入，想实时盯着新内容",
    "怎么把一个目录打包成 tar.gz",
    "定时任务怎么设置每天凌晨执行",
    "查看服务器的 IP 地址",
    "防火墙怎么开放一个端口",
    "ssh 远程登录另一台服务器",
    "从服务器下载一个文件到本地",
    "看看系统启动了多久",
    "修改文件的权限",
)
HELP = "/help"


class Run:
    """Sends messages, waits for answers and keeps latencies and counts."""

    def __init__(self, emulator: bb.TimedEmulator, users: list[int], desk=None,
                 backlog: int = 0) -> None:
        self.emulator = emulator
        # the last `backlog` people only receive the outbox's messages (not measured)
        self.users = users[:-backlog] if backlog else users
        self.backlog_chats = users[-backlog:] if backlog else []
        self.desk = desk
        self.next_user = 0
        self.sent: Counter[int] = Counter()
        self.lost = 0
        self.rng = random.Random(20261121)

    def take_users(self, n: int) -> list[int]:
        chosen = [self.users[(self.next_user + i) % len(self.users)] for i in range(n)]
        self.next_user = (self.next_user + n) % len(self.users)
        return chosen

    def text_for(self, kind: str) -> str:
        return HELP if kind == "help" else self.rng.choice(QUESTIONS)

    async def send(self, user: int, text: str) -> tuple[float, asyncio.Future[bb.BotMessage]]:
        """Queue the message; send_text never suspends, so a batch of sends is one instant."""
        future = self.emulator.expect_message(user)
        started = time.monotonic()
        await self.emulator.send_text(user, user, text)
        self.sent[user] += 1
        return started, future

    async def answer(self, started: float, future: asyncio.Future[bb.BotMessage],
                     timeout: float = 15.0) -> float | None:
        try:
            message = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.lost += 1
            return None
        return message.time - started

    async def one_user(self, kind: str, count: int, pause: float = 0.02) -> list[float]:
        latencies = []
        for _ in range(count):
            (user,) = self.take_users(1)
            latency = await self.answer(*await self.send(user, self.text_for(kind)))
            if latency is not None:
                latencies.append(latency)
            await asyncio.sleep(pause)
        return latencies

    async def burst(self, kind: str, users: int, rounds: int, period: float = 1.0
                    ) -> list[float]:
        latencies: list[float] = []
        for _ in range(rounds):
            begun = time.monotonic()
            pending = [await self.send(user, self.text_for(kind))
                       for user in self.take_users(users)]
            results = await asyncio.gather(*(self.answer(s, f) for s, f in pending))
            latencies += [r for r in results if r is not None]
            await asyncio.sleep(max(0.0, period - (time.monotonic() - begun)))
        return latencies

    async def steady(self, kind: str, users: int, duration: float,
                     think: tuple[float, float] = (0.5, 1.5)) -> list[float]:
        latencies: list[float] = []
        deadline = time.monotonic() + duration
        pools = [self.users[i::users] for i in range(users)]

        async def person(pool: list[int], seed: int) -> None:
            rng = random.Random(seed)
            await asyncio.sleep(rng.uniform(0, think[1]))
            turn = 0
            while time.monotonic() < deadline:
                user = pool[turn % len(pool)]
                turn += 1
                latency = await self.answer(*await self.send(user, self.text_for(kind)))
                if latency is not None:
                    latencies.append(latency)
                await asyncio.sleep(rng.uniform(*think))

        await asyncio.gather(*(person(pool, i) for i, pool in enumerate(pools)))
        return latencies

    async def press(self, user: int, prompt: bb.BotMessage, label: str
                    ) -> tuple[float, asyncio.Future[bb.BotMessage]]:
        """Press a button on a bot message; the reply is the next bot message in the chat."""
        future = self.emulator.expect_message(user)
        data = bb.button_data(prompt.message, label)
        started = time.monotonic()
        await self.emulator.press_button(user, user, prompt.message["message_id"], data)
        self.sent[user] += 1
        return started, future

    async def at_once(self, users: int, rounds: int, period: float = 2.5) -> list[float]:
        """`users` people act in the same instant, a fifth each: a press on a /report
        prompt's category button, /help, a question, /report, and 「确认提交」 on a report's
        summary (its reply, and its cards for the team group and the on-duty technician
        through the outbox)."""
        latencies: list[float] = []
        for _ in range(rounds):
            chosen = self.take_users(users)
            asked = [await self.send(u, "/report") for u in chosen[::5]]
            prompts = await asyncio.gather(*(self.answer_message(*a) for a in asked))
            summaries = await asyncio.gather(*(self.walk_to_summary(u) for u in chosen[4::5]))
            self.fill_outbox()
            await asyncio.sleep(1.0)  # Telegram's 30 messages a second: the walks' share drains
            begun = time.monotonic()
            pending = []
            for i, user in enumerate(chosen):
                if i % 5 == 0:
                    pending.append(await self.press(user, prompts[i // 5], "网络系统"))
                elif i % 5 == 4:
                    pending.append(await self.press(user, summaries[i // 5], "确认提交"))
                else:
                    text = (HELP, self.text_for("text"), "/report")[i % 5 - 1]
                    pending.append(await self.send(user, text))
            results = await asyncio.gather(*(self.answer(s, f) for s, f in pending))
            latencies += [r for r in results if r is not None]
            talking = [u for i, u in enumerate(chosen) if i % 5 in (0, 3)]
            cancels = [await self.send(u, "/cancel") for u in talking]
            await asyncio.gather(*(self.answer_message(*c) for c in cancels))
            await asyncio.sleep(max(0.0, period - (time.monotonic() - begun)))
        return latencies

    def fill_outbox(self) -> None:
        """Notices for the backlog people, straight into the bot's outbox (the sender finds
        them within a second and sends them at its pace: the instant falls in the drain)."""
        if not self.backlog_chats:
            return
        from bot import outbox

        with self.desk.sessions.begin() as session:
            for chat_id in self.backlog_chats:
                outbox.enqueue(session, self.desk.clock.now(), chat_id, "您的工单状态有更新。")

    async def walk_to_summary(self, user: int) -> bb.BotMessage:
        """Report a fault up to its summary (unmeasured): /report, category, text, impact,
        urgency, and past the knowledge-base suggestions if any."""
        step = await self.answer_message(*await self.send(user, "/report"))
        step = await self.answer_message(*await self.press(user, step, "网络系统"))
        step = await self.answer_message(*await self.send(user, "三楼整层断网，网线灯不亮"))
        step = await self.answer_message(*await self.press(user, step, "部门"))
        step = await self.answer_message(*await self.press(user, step, "业务中断"))
        if "仍需报修" in str(step.message.get("reply_markup")):
            step = await self.answer_message(*await self.press(user, step, "仍需报修"))
        return step

    async def answer_message(self, started: float, future: asyncio.Future[bb.BotMessage]
                             ) -> bb.BotMessage:
        return await asyncio.wait_for(future, 15.0)

    def exactly_once(self) -> tuple[int, int]:
        """(messages without an answer, extra answers) over every chat."""
        missing = extra = 0
        for user, sent in self.sent.items():
            got = len(self.emulator.bot_messages.get(user, []))
            missing += max(0, sent - got)
            extra += max(0, got - sent)
        return missing, extra


SCENARIOS = (
    ("help", "1 user", "one"), ("text", "1 user", "one"),
    ("help", "20 users burst", "burst"), ("text", "20 users burst", "burst"),
    ("help", "20 users steady", "steady"), ("text", "20 users steady", "steady"),
    ("mix", "20 users at once", "at_once"),
)


async def main_async(args: argparse.Namespace) -> int:
    bb.quiet_logging()
    print(f"machine: {bb.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-replies-") as name:
        tmp = Path(name)
        with bb.database_url(args.db, tmp) as url:
            desk, ids, info = await asyncio.to_thread(
                bb.bench_desk, tmp, url, args.people, args.kb == "linux-command")
            print(f"desk: {args.db}, {args.people} reporters, knowledge base {args.kb}: "
                  f"{info['articles']} published articles, {info['indexed']} indexed "
                  f"(open {info['open_desk_s']:.1f} s"
                  + (f", corpus import {info['corpus_import_s']:.1f} s" if "corpus_import_s"
                     in info else "") + ")")
            emulator = bb.TimedEmulator()
            await emulator.start()
            bb.add_users(emulator, desk, ids)
            try:
                code = await _measure(args, desk, ids, emulator, tmp)
            finally:
                await emulator.stop()
                desk.engine.dispose()
    return code


async def _measure(args: argparse.Namespace, desk, ids, emulator: bb.TimedEmulator,
                   tmp: Path) -> int:
    samples: dict[tuple[str, str], list[list[float]]] = {s[:2]: [] for s in SCENARIOS}
    cpu: dict[tuple[str, str], list[float]] = {s[:2]: [] for s in SCENARIOS}
    floor = bb.median(await bb.getme_floor(emulator))
    async with bb.bot_running(args.bot, desk, emulator, tmp) as bot:
        run = Run(emulator, ids, desk, args.backlog)
        for kind in ("help", "text", "text", "text"):  # warm-up: first search, caches
            await run.one_user(kind, 5)
        await run.burst("text", 20, 1)
        scenarios = [s for s in SCENARIOS if args.only == "all" or s[2] == "at_once"]
        for rep in range(args.reps):
            for kind, label, how in scenarios:
                before, count_before = bot.cpu_seconds(), sum(run.sent.values())
                if how == "one":
                    got = await run.one_user(kind, args.count)
                elif how == "burst":
                    got = await run.burst(kind, 20, args.rounds)
                elif how == "at_once":
                    got = await run.at_once(20, args.rounds)
                else:
                    got = await run.steady(kind, 20, args.steady)
                samples[(kind, label)].append(got)
                if before is not None:
                    messages = sum(run.sent.values()) - count_before
                    cpu[(kind, label)].append((bot.cpu_seconds() - before) / max(messages, 1))
            print(f"  repetition {rep + 1}/{args.reps} done", flush=True)
        await asyncio.sleep(1.5)  # late duplicates would arrive now
        missing, extra = run.exactly_once()
        errors = bot.errors()
    rows = []
    for kind, label, _ in scenarios:
        reps = samples[(kind, label)]
        p50 = bb.median([bb.percentile(r, 50) for r in reps])
        p95s = [bb.percentile(r, 95) for r in reps]
        p95 = bb.median(p95s)
        p99 = bb.median([bb.percentile(r, 99) for r in reps])
        worst = max((max(r) for r in reps if r), default=float("nan"))
        per_msg = bb.median(cpu[(kind, label)]) if cpu[(kind, label)] else float("nan")
        rows.append([
            {"help": "/help", "text": "plain text (KB question)",
             "mix": "/help, question, /report, button"}[kind], label,
            sum(len(r) for r in reps), bb.ms(p50), bb.ms(p95),
            f"{bb.ms(min(p95s))}–{bb.ms(max(p95s))}", bb.ms(p99), bb.ms(worst),
            f"{p95 / floor:.0f}×", bb.ms(per_msg),
        ])
    print()
    print(f"getMe round trip through the emulator (transport floor): median {bb.ms(floor)} ms")
    print(bb.table(["message", "load", "answers", "p50 ms", "p95 ms", "p95 range", "p99 ms",
                    "max ms", "p95/getMe", "bot CPU ms/msg"], rows))
    print(f"\nsent {sum(run.sent.values())} messages to {len(run.sent)} people: "
          f"{run.lost} timed out, {missing} without an answer, {extra} answered twice; "
          f"{len(errors)} errors in the bot's log")
    for line in errors[:10]:
        print("  ", line)
    ok = not (run.lost or missing or extra or errors)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--kb", choices=("starter", "linux-command"), default="linux-command")
    parser.add_argument("--bot", choices=("subprocess", "inprocess"), default="subprocess")
    parser.add_argument("--people", type=int, default=400, help="registered reporters")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--count", type=int, default=40, help="messages per 1-user scenario")
    parser.add_argument("--rounds", type=int, default=8, help="bursts per 20-user scenario")
    parser.add_argument("--steady", type=float, default=8.0, help="seconds per steady scenario")
    parser.add_argument("--backlog", type=int, default=0,
                        help="at-once: the outbox also delivers this many notices per round")
    parser.add_argument("--only", choices=("all", "at-once"), default="all",
                        help="at-once: only the 20-users-at-once scenario")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

"""The scheduled jobs as sweeps: each does its work once per period, catches up after
downtime, and the scheduler is configured not to drop late runs; `govdesk sla explain`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import sla_cli
from bot.desk import Desk
from bot.models import JobRun, Notification
from handlers.common import DESK_KEY
from schedules import auto_close, digest, handoff
from schedules.scheduler import (
    MISFIRE_GRACE_SECONDS,
    SCHEDULER_KEY,
    start_scheduler,
    stop_scheduler,
)
from schedules.sla_sweep import sweep
from tests.support import sla_steps as steps
from tests.support.factories import STAFF_TOML, make_desk, make_settings

BJ = ZoneInfo("Asia/Shanghai")


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def sent(desk: Desk, kind: str) -> list[tuple[int, str]]:
    with desk.sessions.begin() as session:
        return [(n.chat_id, n.text) for n in session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def test_the_morning_digest_goes_once_on_working_days_from_nine(desk: Desk) -> None:
    late = steps.submit(desk)
    steps.claim(desk, steps.submit(desk))
    steps.advance(desk, to=bj(24, 8, 30))
    assert digest.send_if_due(desk) == 0  # before 09:00
    steps.advance(desk, to=bj(24, 11, 30))  # the bot was down at 09:00: caught up now
    assert digest.send_if_due(desk) == 1
    assert digest.send_if_due(desk) == 0  # and not again
    [(chat_id, text)] = sent(desk, "digest")
    assert chat_id == 3001 and "每日简报" in text and "11月24日 周二" in text
    assert "基础设施运维组：2 / 1 / 0 / 2" in text  # both open tickets are late by now
    assert steps.ticket(desk, late).number in text
    assert "11月23日 以来" in text and "新报修 2 张" in text and "响应达标 1/1（100%）" in text
    steps.advance(desk, to=bj(28, 10, 0))  # Saturday: no digest
    assert digest.send_if_due(desk) == 0


def test_unconfirmed_tickets_close_once_and_the_reporter_is_told(desk: Desk) -> None:
    ticket_id = steps.submit(desk)
    steps.claim(desk, ticket_id)
    steps.resolve(desk, ticket_id)
    steps.advance(desk, to=bj(26, 9, 59))  # 3 working days after Mon 10:00 is Thu 10:00
    assert auto_close.close_due(desk) == []
    steps.advance(desk, to=bj(26, 10, 0))
    assert auto_close.close_due(desk) == [ticket_id]
    assert auto_close.close_due(desk) == []
    assert steps.ticket(desk, ticket_id).status == "closed"
    [(chat_id, text)] = sent(desk, "status")[-1:]
    assert chat_id == 1001 and "自动关闭" in text


def test_a_duty_handoff_is_announced_once_per_turn(tmp_path: Path, database_url: str) -> None:
    people = STAFF_TOML.replace('leads = [2001]\n', 'leads = [2001]\n\n[teams.duty]\n'
                                'rotation = [2001, 2002]\nhandoff = "09:00"\n'
                                'anchor = 2026-11-23\n', 1)
    desk = make_desk(make_settings(tmp_path, database_url, people=people))
    try:
        assert handoff.announce_due(desk) == 1  # Monday's turn began at 09:00, an hour ago
        assert handoff.announce_due(desk) == 0
        steps.advance(desk, to=bj(24, 9, 0))
        assert handoff.announce_due(desk) == 1
        chats = [chat for chat, _ in sent(desk, "handoff")]
        assert chats == [-1001, 2001, -1001, 2002]
        assert "交接班" in sent(desk, "handoff")[-1][1]
        with desk.sessions.begin() as session:
            assert session.scalar(select(JobRun.period).where(JobRun.job == "handoff")
                                  .order_by(JobRun.id.desc())).startswith("infra:")
    finally:
        desk.close()


async def test_the_scheduler_runs_every_job_with_a_generous_misfire_grace(desk: Desk) -> None:
    application = SimpleNamespace(bot_data={DESK_KEY: desk})
    scheduler = start_scheduler(application)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"sla_sweep", "auto_close", "handoff", "digest"}
        assert jobs["sla_sweep"].trigger.interval.total_seconds() == 30
        assert all(job.coalesce and job.misfire_grace_time == MISFIRE_GRACE_SECONDS
                   and job.max_instances == 1 for job in jobs.values())
        await asyncio.sleep(0)
    finally:
        stop_scheduler(application)
    assert SCHEDULER_KEY not in application.bot_data


def test_sla_explain_prints_targets_pauses_alerts_and_breaches(desk: Desk, capsys) -> None:
    ticket_id = steps.submit(desk)
    steps.advance(desk, 20)
    sweep(desk)
    steps.claim(desk, ticket_id)
    steps.pend(desk, ticket_id)
    steps.advance(desk, to=bj(23, 14, 30))
    steps.resume(desk, ticket_id)
    steps.advance(desk, to=bj(24, 16, 0))
    sweep(desk)
    assert sla_cli._explain(desk, steps.ticket(desk, ticket_id).number) == 0
    out = capsys.readouterr().out
    assert "响应：目标 30 分钟" in out and "解决：目标 8 小时 0 分钟" in out
    assert "响应计时停止（认领），用时 20 分钟，达标" in out
    assert "解决时限 80% 提醒（2026-11-24 13:34 已到达）（同时越过 50%，合并发送） → 陈工" in out
    assert "解决计时暂停（挂起）" in out and "时限顺延至 2026-11-24 15:10" in out
    assert "2026-11-23 10:20 — 2026-11-23 14:30，2 小时 40 分钟" in out
    assert "响应时限 50% 提醒（2026-11-23 10:15 已到达） → 基础设施运维组（待发送）" in out
    assert "解决超时：时限 2026-11-24 15:10，至今未完成，超出 50 分钟" in out
    assert sla_cli._explain(desk, "9912-0001") == 1
    assert sla_cli._check(desk, repair=False) == 0

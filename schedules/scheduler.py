"""The scheduler: one AsyncIOScheduler started with the bot, one module per job.

Every job is a sweep over rows in the database, reading the time from the desk's clock, so
APScheduler only says *how often* to look: a run missed while the bot was down is caught up
by the next sweep (the due rows are still due) and never repeated (alerts, digests and
hand-offs are claimed by a UNIQUE row before anything is sent). `coalesce` folds a backlog of
missed runs into one, and a generous `misfire_grace_time` keeps APScheduler from silently
dropping a run that started late (its default of 1 s does). The outbox sender is not a job:
it is a task of its own (schedules.outbox_sender), woken by the jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from telegram.ext import Application

from bot.desk import Desk
from handlers.common import DESK_KEY
from schedules import auto_close, digest, handoff, sla_sweep

logger = logging.getLogger(__name__)

SCHEDULER_KEY = "scheduler"
MISFIRE_GRACE_SECONDS = 3600
FIRST_RUN_DELAY = timedelta(seconds=2)

Job = Callable[[Application], Awaitable[int]]


def jobs(desk: Desk) -> tuple[tuple[str, Job, int], ...]:
    """(name, job, every N seconds) of every scheduled job."""
    return (
        ("sla_sweep", sla_sweep.run, desk.settings.sla.sweep_seconds),
        ("auto_close", auto_close.run, 300),
        ("handoff", handoff.run, 60),
        ("digest", digest.run, 300),
    )


def _guarded(name: str, job: Job) -> Callable[[Application], Awaitable[None]]:
    async def run(application: Application) -> None:
        try:
            await job(application)
        except Exception:  # one failing run must not stop the scheduler or the other jobs
            logger.exception("scheduled job %s failed; the next run will try again", name)

    run.__name__ = f"{name}_job"
    return run


def start_scheduler(application: Application) -> AsyncIOScheduler:
    """Create and start the scheduler (call inside the running event loop, in post_init)."""
    desk: Desk = application.bot_data[DESK_KEY]
    scheduler = AsyncIOScheduler(timezone=desk.timezone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    first = datetime.now(desk.timezone) + FIRST_RUN_DELAY  # catch up soon after a start
    for name, job, seconds in jobs(desk):
        scheduler.add_job(_guarded(name, job), IntervalTrigger(seconds=seconds),
                          args=[application], id=name, name=name, next_run_time=first)
    scheduler.start()
    application.bot_data[SCHEDULER_KEY] = scheduler
    logger.info("scheduler started: %s", ", ".join(name for name, _, _ in jobs(desk)))
    return scheduler


def stop_scheduler(application: Application) -> None:
    """Stop the scheduler; a job that is running finishes its database work in its thread."""
    scheduler = application.bot_data.pop(SCHEDULER_KEY, None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)


async def run_due_now(application: Application) -> None:
    """Run every job once, now, in order (the sandbox does this after its clock moved)."""
    desk: Desk = application.bot_data[DESK_KEY]
    for name, job, _ in jobs(desk):
        await _guarded(name, job)(application)

"""Once-per-period jobs (the morning digest of a day, a team's hand-off): claim the period
with an INSERT; the UNIQUE (job, period) lets only the first of several schedulers — or of
several runs after a restart — do the work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import JobRun


def claim(session: Session, job: str, period: str, now: datetime, result: str = "") -> bool:
    """Record that `job` ran for `period`; False if it already had."""
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, period=period[:64], ran_at=now, result=result[:200]))
            session.flush()
    except IntegrityError:
        return False
    return True


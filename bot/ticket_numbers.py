"""Short ticket numbers people can type and read over the phone: YYMM-NNNN (2611-0042)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, tzinfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import TicketCounter

NUMBER_PATTERN = re.compile(r"^\s*#?\s*([0-9]{4})\s*[-—_ ]?\s*([0-9]{4,6})\s*$")


def next_number(session: Session, now: datetime, tz: tzinfo) -> str:
    """Take the next number of the current month (in the desk's time zone)."""
    period = now.astimezone(tz).strftime("%y%m")
    for _ in range(3):
        bumped = session.execute(
            update(TicketCounter).where(TicketCounter.period == period)
            .values(last=TicketCounter.last + 1).returning(TicketCounter.last)
        ).scalar_one_or_none()
        if bumped is not None:
            return f"{period}-{bumped:04d}"
        try:
            with session.begin_nested():
                session.add(TicketCounter(period=period, last=0))
        except IntegrityError:  # another transaction created the period first
            pass
    raise RuntimeError("could not allocate a ticket number")


def normalise_number(text: str) -> str | None:
    """'2611-0042', '26110042', '#2611 0042', full-width digits -> '2611-0042'; else None."""
    match = NUMBER_PATTERN.match(unicodedata.normalize("NFKC", text or ""))
    if match is None:
        return None
    return f"{match.group(1)}-{int(match.group(2)):04d}"

"""The statutory holidays of a year that no State Council notice covers yet.

The law (国务院《全国年节及纪念日放假办法》, as amended in 2024) fixes the days off of every
year: 元旦 1 day, 春节 4 days (除夕 to 初三), 清明 1, 劳动节 2 (5-1, 5-2), 端午 1, 中秋 1 and
国庆 3 (10-1 to 10-3); the lunar and solar-term dates are computed by the `holidays` package
(its China calendar). What the law does not fix is the yearly notice's 调休: which weekdays
become days off to join a holiday to a weekend, and which weekends become make-up working days.
The estimate counts the statutory days only (see docs/DECISIONS.md, "The calendar after the last
notice"); the package's own guess at extra days off ("observed", 补假) is kept apart, to be shown
as its estimate and never counted.

`holidays` takes about half a second to import, so it is imported on the first estimate, never
when the bot starts (tests/benchmarks/bench_calendar_import.py measures it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

logger = logging.getLogger(__name__)

# The first year the `holidays` package's China calendar has (China.start_year); earlier years
# have no estimate. A test checks this against the installed package.
FIRST_ESTIMATED_YEAR = 1950


@dataclass(frozen=True)
class Estimate:
    """A year's statutory days off (date → Chinese name) and the package's guess at 补假."""

    year: int
    statutory: Mapping[date, str]
    observed_guess: Mapping[date, str]


@lru_cache(maxsize=32)
def statutory_estimate(year: int) -> Estimate:
    """The statutory holidays of `year` by the law, with the package's 补假 guess apart."""
    if year < FIRST_ESTIMATED_YEAR:
        return Estimate(year, MappingProxyType({}), MappingProxyType({}))
    from holidays.countries.china import China  # slow to import: only when a year needs it

    statutory = _names(China(years=year, observed=False, language="zh_CN"))
    with_observed = _names(China(years=year, observed=True, language="zh_CN"))
    guess = {day: name for day, name in with_observed.items() if day not in statutory}
    logger.debug("statutory estimate for %d: %d days off, %d guessed 补假",
                 year, len(statutory), len(guess))
    return Estimate(year, MappingProxyType(statutory), MappingProxyType(guess))


def _names(calendar: Mapping[date, str]) -> dict[date, str]:
    """Date → name, two holidays on one day joined the Chinese way (中秋节、国庆节)."""
    return {day: name.replace("; ", "、") for day, name in calendar.items()}

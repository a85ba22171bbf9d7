"""What the statutory estimate costs: importing `holidays`, and the first estimated year.

Each row is a fresh `python -c …` subprocess, the rows interleaved and repeated --reps times;
medians are shown, with the baseline (`python -c pass`) measured in the same run. The bot
imports `holidays` only when a year without a notice is first used (bot.calendar_estimate), so
the rows say what start-up would pay if it were imported eagerly, and what the first use pays.

`--agreement` instead replays the estimate on the years chinesecalendar knows (2008–2026, the
law of each year as the `holidays` package models it) and counts the days on which it agrees
with the notice: counting the statutory days only (what the desk does) against also counting
the package's 补假 guesses ("observed"), and the working days per year each way.

    python tests/benchmarks/bench_calendar_import.py [--reps 9]
    python tests/benchmarks/bench_calendar_import.py --agreement
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

ROWS = {
    "python -c pass (baseline)": "pass",
    "import bot.calendar": "import bot.calendar",
    "import bot.app (what `govdesk run` imports)": "import bot.app",
    "import holidays.countries.china": "import holidays.countries.china",
    "bot.calendar + a notice year (2026)": (
        "import datetime, bot.calendar as c; "
        "c.WorkingCalendar().is_working_day(datetime.date(2026, 5, 6))"),
    "bot.calendar + an estimated year (2031)": (
        "import datetime, bot.calendar as c; "
        "c.WorkingCalendar().is_working_day(datetime.date(2031, 5, 6))"),
}


def run_once(code: str) -> float:
    """Wall time of one interpreter running `code`, in ms."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def agreement() -> None:
    """Per year: the notice's working days, and each estimate's count and days in agreement."""
    from datetime import date, timedelta

    import chinese_calendar
    from holidays.countries.china import China

    print("| year | notice working days | statutory only: working days | agreeing days "
          "| with 补假 guess: working days | agreeing days |")
    print("|---|---|---|---|---|---|")
    totals = [0, 0, 0]
    for year in range(2008, 2027):
        first = date(year, 1, 1)
        days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        notice = [chinese_calendar.is_workday(d) for d in days]
        row = [str(year), str(sum(notice))]
        for observed in (False, True):
            off = China(years=year, observed=observed)
            guess = [d.isoweekday() <= 5 and d not in off for d in days]
            agree = sum(g == n for g, n in zip(guess, notice, strict=True))
            row += [str(sum(guess)), f"{agree}/{len(days)}"]
            totals[int(observed) + 1] += agree
        totals[0] += len(days)
        print("| " + " | ".join(row) + " |")
    print(f"\nall years: statutory only {totals[1]}/{totals[0]} days agree, "
          f"with the 补假 guess {totals[2]}/{totals[0]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--agreement", action="store_true")
    args = parser.parse_args()
    if args.agreement:
        agreement()
        return
    samples: dict[str, list[float]] = {name: [] for name in ROWS}
    for _ in range(args.reps):
        for name, code in ROWS.items():
            samples[name].append(run_once(code))
    base = statistics.median(samples["python -c pass (baseline)"])
    print(f"`python tests/benchmarks/bench_calendar_import.py --reps {args.reps}` — "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| process | median ms | over baseline ms | min ms | runs |")
    print("|---|---|---|---|---|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {median - base:+.0f} | {min(values):.0f} "
              f"| {len(values)} |")


if __name__ == "__main__":
    main()

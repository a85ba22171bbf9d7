"""CPU of one winning claim: the press's check and the claim's transaction, no contention.

200 free tickets, 50 technicians; each ticket is claimed once by the code path of a 「认领」
press (handlers.claims: the check as database work, the claim's transaction inline). Reports
the median CPU time of the event-loop thread per winner after 20 warm-up claims.

    python tests/benchmarks/bench_winner.py --db sqlite|postgres [--tickets 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_claims as bc  # noqa: E402
import botbench as bb  # noqa: E402

from handlers import claims  # noqa: E402

WARM_UP = 20


async def claim_all(desk, cards: list[tuple[int, int]], techs: list[int]) -> list[float]:
    times = []
    for index, (ticket_id, _) in enumerate(cards):
        if index == WARM_UP:
            gc.collect()
            gc.freeze()  # as the running bot does (bot.memory.settle)
        started = time.thread_time()
        checked = await desk.database.run(claims._check, desk, techs[index % len(techs)],
                                          ticket_id)
        outcome = claims._commit(desk, *checked, bc.GROUP)
        if index >= WARM_UP:
            times.append(time.thread_time() - started)
        assert outcome.refusal is None, outcome
    await desk.database.aclose()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    bb.quiet_logging()
    print(f"machine: {bb.machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-winner-") as name:
        tmp = Path(name)
        with bb.database_url(args.db, tmp) as url:
            desk, cards, techs = bc.seed(tmp, url, bb.TimedEmulator(), args.tickets, 50)
            try:
                times = asyncio.run(claim_all(desk, cards, techs))
            finally:
                desk.close()
    print(f"{args.db}: {len(times)} winners, CPU per winner median "
          f"{statistics.median(times) * 1000:.2f} ms, p90 "
          f"{sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

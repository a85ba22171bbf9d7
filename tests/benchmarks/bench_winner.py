"""CPU of a winning claim: the claims of one moment decided together, no contention.

400 free tickets, 50 technicians; the tickets are claimed through the code path of 「认领」
presses that reach the database (handlers.claims.decide and conclude: who pressed, the
claims, their events and notices, one transaction), in batches of 1, 10 and 50 presses —
the sizes the bot sees from a quiet moment to a card storm (bot.batches). Reports, per batch
size, the median CPU time of the event-loop thread per winner, after a warm-up batch.

    python tests/benchmarks/bench_winner.py --db sqlite|postgres [--sizes 1,10,50]
"""

from __future__ import annotations

import argparse
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

TICKETS = 400


def per_winner(desk, tickets: list[int], techs: list[int], size: int) -> float:
    """Median CPU seconds per winner over batches of `size` presses on free tickets."""
    rounds = [tickets[start:start + size] for start in range(0, len(tickets), size)]
    times = []
    for index, batch in enumerate(rounds):
        presses = [claims.Press(techs[n % len(techs)], ticket_id, bc.GROUP)
                   for n, ticket_id in enumerate(batch)]
        started = time.thread_time()
        outcomes = [claims.conclude(desk, press, decided) for press, decided
                    in zip(presses, claims.decide(desk, presses), strict=True)]
        spent = time.thread_time() - started
        assert all(outcome.refusal is None for outcome in outcomes), outcomes
        if index:  # the first batch warms the statement caches of its size
            times.append(spent / len(batch))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="1,10,50")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    bb.quiet_logging()
    print(f"machine: {bb.machine()}", flush=True)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-winner-") as name:
            tmp = Path(name)
            with bb.database_url(args.db, tmp) as url:
                desk, cards, techs = bc.seed(tmp, url, bb.TimedEmulator(), TICKETS, 50)
                try:
                    gc.collect()
                    gc.freeze()  # as the running bot does (bot.memory.settle)
                    cpu = per_winner(desk, [ticket_id for ticket_id, _ in cards], techs, size)
                finally:
                    desk.close()
                    gc.unfreeze()
        print(f"{args.db}: batches of {size:>2}: CPU per winner median {cpu * 1000:.2f} ms",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

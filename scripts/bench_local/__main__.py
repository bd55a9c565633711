"""`make bench-local`: the local run's throughput as its data and its concurrency grow (issue 12).

It starts its own local run (`python -m local` on free ports, schedules off), then measures a mixed workload
(enroll, purchases, member and history reads, redemptions, transfers) for a fixed time each: 1 and 50 clients on
empty tables, then 1 and 50 clients after seeding the tables to 100 000 items. It prints requests/s, p50 and p99
per measurement and the issue's goals as ratios, and writes the figures to bench/local.json. Timings are
printed, never asserted."""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

# `load` first: locust patches sockets for gevent before requests and boto3 are imported
from . import load, report, seed, server, workload


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="length of each measurement (default 30)")
    parser.add_argument("--clients", type=int, nargs=2, default=[1, 50], metavar=("FEW", "MANY"),
                        help="concurrent clients of the two measurements per table size (default 1 50)")
    parser.add_argument("--items", type=int, default=100_000, help="items in all tables after seeding")
    parser.add_argument("--templates", type=int, default=200, help="members made through the API to clone")
    parser.add_argument("--output", type=Path, default=Path("bench/local.json"))
    return parser.parse_args(argv)


def measure(run: server.LocalRun, dynamodb: Any, tables: str, clients: int, seconds: float,
            pool: workload.MemberPool) -> report.Row:
    items, machine_load = sum(seed.count_items(dynamodb).values()), os.getloadavg()[0]
    row = report.Row(tables, items, machine_load, load.measure(run.api, clients, seconds, pool, run.cpu_seconds))
    print(report.table([row]).splitlines()[-1], flush=True)
    return row


def seed_tables(run: server.LocalRun, dynamodb: Any, args: argparse.Namespace) -> dict[str, Any]:
    print(f"seeding to {args.items} items: {args.templates} members through the API, then clones ...", flush=True)
    done = seed.seed(dynamodb, run.send, args.items, args.templates, random.Random(), workers=4,
                     say=lambda line: print(f"  {line}", flush=True))
    started = time.monotonic()
    status, _ = run.send(workload.member_view(seed.template_id(done.tag, 0)))
    warm = time.monotonic() - started  # the stream emulation takes the clones' records on this request
    counts = seed.count_items(dynamodb)
    print(f"seeded in {done.seconds:.1f} s: {done.clones} clones of {done.templates} members, {done.items_written} "
          f"items written; tables {counts}; first request after it: {status} in {warm:.1f} s", flush=True)
    return {"seconds": done.seconds, "templates": done.templates, "clones": done.clones,
            "items_written": done.items_written, "tables": counts, "first_request_seconds": warm}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    few, many = args.clients
    measured = report.commit()  # before the run: others may commit while it runs
    pool, rows = workload.MemberPool(), []
    with server.local_run() as run:
        dynamodb = run.dynamodb()
        server.warm_up(run, pool, many)
        print(report.table([]), flush=True)
        rows += [measure(run, dynamodb, "empty", c, args.seconds, pool) for c in (few, many)]
        seeding = seed_tables(run, dynamodb, args)
        print(report.table([]), flush=True)
        rows += [measure(run, dynamodb, "seeded", c, args.seconds, pool) for c in (few, many)]
    found = report.ratios(rows)
    print(f"\n{report.table(rows)}\n\n{report.ratio_lines(found)}")
    report.write(args.output, rows, found, {"commit": measured, "seconds_per_measurement": args.seconds,
                                            "seeding": seeding, "locust": load.locust_version()})
    print(f"figures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

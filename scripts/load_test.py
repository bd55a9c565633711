"""`make load`: 50 concurrent clients on the local run for 60 s, then the audit (issue 11).

It starts its own local run (`python -m local` on free ports, schedules off, no data kept) and drives it with
make bench-local's mixed workload (scripts/bench_local: enroll with a credit, purchases, member and history
reads, redemptions, transfers) through locust as a library. It prints throughput, p50/p99 latency per route and
in all, errors and expected refusals; then audits every member the run wrote (scripts/audit.py, invariants 1-5)
against the local run's DynamoDB. Exit 1 on any 5xx (or a request with no answer), or if the audit is not clean.
Timings are printed, never asserted: this machine's other work stretches them.

    LOAD_SECONDS=10 LOAD_USERS=5 make load    # a quick run
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

# `load` first: locust patches sockets for gevent before requests and boto3 are imported
from scripts.bench_local import load, server, workload

FAILING = ("5", "no answer", "exception")  # an error status starting so fails the run (a 4xx error is printed)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.load_test", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 60)),
                        help="length of the measurement (default 60, or LOAD_SECONDS)")
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 50)),
                        help="concurrent clients (default 50, or LOAD_USERS)")
    return parser.parse_args(argv)


def summary(m: load.Measurement) -> str:
    lines = [f"{m.clients} users for {m.seconds:.1f} s: {m.requests} requests, {m.requests_per_second:.1f} req/s, "
             f"p50 {m.p50_ms:.0f} ms, p99 {m.p99_ms:.0f} ms; local run CPU {m.server_cpu_ms_per_request:.1f} ms "
             f"per request; 1-minute load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
             f"errors: {m.error_count} {m.errors or ''}".rstrip(),
             f"expected refusals (not errors): {sum(m.refused.values())} {m.refused or ''}".rstrip(),
             f"{'route':<44} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7}"]
    lines += [f"{route:<44} {r['requests']:>8} {r['p50_ms']:>7.0f} {r['p99_ms']:>7.0f}" for route, r in m.routes.items()]
    return "\n".join(lines)


def failures(m: load.Measurement) -> dict[str, int]:
    return {status: n for status, n in m.errors.items() if status.startswith(FAILING)}


def audit(moto: str) -> int:
    """scripts/audit.py on the local run's tables, in a process of its own (the layer reads its environment once)."""
    print("audit of every member written:", flush=True)
    return subprocess.call([sys.executable, "-m", "scripts.audit", "--endpoint", moto])


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    pool = workload.MemberPool()
    with server.local_run() as run:
        server.warm_up(run, pool, args.users)  # each concurrent container imported before measuring
        print(f"load: {args.users} users, {args.seconds:g} s of the mixed workload "
              f"(weights {workload.WEIGHTS}) ...", flush=True)
        measured = load.measure(run.api, args.users, args.seconds, pool, run.cpu_seconds)
        print(summary(measured), flush=True)
        audited = audit(run.moto)
    failed = failures(measured)
    if failed:
        print(f"FAILED: {sum(failed.values())} requests answered 5xx or not at all: {failed}; log: {run.log}")
    if audited:
        print("FAILED: the audit found problems")
    if not failed and not audited:
        print("load: no 5xx, audit clean")
    return 1 if failed or audited else 0


if __name__ == "__main__":
    sys.exit(main())

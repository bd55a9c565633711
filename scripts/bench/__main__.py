"""`make bench`: what each loyalty operation asks of AWS and what it would cost, measured in process on moto.

Method
  Every operation runs the real Lambda handler in this process with the event API Gateway (HTTP API, v2) or
  EventBridge would send, against moto (`mock_aws`, dummy credentials: nothing reaches AWS) on tables built
  from template.yaml. Each scenario gets a fresh moto account.
  - Requests: every botocore API call (`BaseClient._make_api_call`, where PynamoDB and boto3 meet) of one
    representative invocation, made after a warm-up one (program document cached, clients created: a warm
    container).
  - Capacity units: computed here from the items read and written, by DynamoDB's item-size rules and on-demand
    rounding; moto's own ConsumedCapacity is shown for comparison only. A table write is charged on the larger
    of the item's before- and after-image (read from moto around the write, uncounted); index upkeep (sparse
    GSIs, the LSI) at 1 WRU per KB.
  - CPU: `time.process_time` around the handler call minus the CPU spent inside moto's request handler
    (`BotocoreStubber.__call__`, timed), median of `--runs` invocations. Backoff sleeps cost no CPU.
  - Cold start: `import app` of each function in a fresh interpreter, the layer on its PYTHONPATH (as /opt/python
    is on Lambda's), Lambda-like env.
  - Cost: list prices (printed) per million operations; handler CPU time stands in for billed duration.
  - The points clock (ExpireFunction) runs on a table of `--members` members of which 100 have points due:
    figures per due member (expiry) or per due lot (release), over rounds re-seeded on successive days.
Wall-clock time is printed for orientation only and never asserted.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import warnings
from pathlib import Path

from local.atomic_moto import serialize_in_process_moto
from scripts.bench import results
from scripts.bench.clock_phase import DUE, clock_phase, clock_reads_at, items_read_per_due
from scripts.bench.cold_start import COLD_REPEAT, cold_starts
from scripts.bench.measuring import Bench
from scripts.bench.printout import report
from scripts.bench.project import ROOT, progress
from scripts.bench.promotion_phase import promotion_phase
from scripts.bench.request_phase import Sizes, request_phase

warnings.filterwarnings("ignore", "No application metrics to publish")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000, help="members in the points-clock table (default 1000)")
    parser.add_argument("--big-members", type=int, default=100_000,
                        help="members of the second table the clock's reads are counted on (default 100000)")
    parser.add_argument("--invocations", type=int, default=1000,
                        help="timed invocations of each operation of bench/results.json (default 1000)")
    parser.add_argument("--runs", type=int, default=30, help="timed invocations of every other operation (default 30)")
    parser.add_argument("--cold-repeat", type=int, default=COLD_REPEAT,
                        help=f"fresh interpreters per function for the cold start (default {COLD_REPEAT})")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--promotions", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure accruals with promotions and budgets (default on)")
    parser.add_argument("--clock-rounds", type=int, default=3, help="points-clock rounds, the first recorded (default 3)")
    args = parser.parse_args()
    if args.members <= 2 * DUE:
        parser.error(f"--members must be more than {2 * DUE}")
    serialize_in_process_moto()
    bench, sizes = Bench(args.runs, args.invocations), Sizes()
    with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics are flushed to stdout
        figures = request_phase(bench, sizes)
        if args.promotions:
            figures += promotion_phase(bench)
        clock, burst = clock_phase(bench, args.members, max(2, args.clock_rounds))
        clock_reads = {str(args.members): items_read_per_due(clock[0]),
                       str(args.big_members): clock_reads_at(bench, args.big_members)}
    cold = cold_starts(args.cold_repeat)
    print(report([*figures, *clock], burst, sizes, cold, args.members, args.cold_repeat))
    found = results.document([*figures, *clock], cold, clock_reads)
    results.write(args.output, found)
    print(f"\n{results.describe(found, results.timed([*figures, *clock]))}\n\nwritten to {args.output}")
    progress("done")


if __name__ == "__main__":
    main()

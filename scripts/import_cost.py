"""`make import-cost`: the CPU instructions `import app` of each function executes, against a bare `import boto3`
and against the libraries alone, counted by valgrind's callgrind.

`make bench` times the same imports, but on a shared machine its wall times move by a third from run to run;
an instruction count does not move (0.1 %), so this is the figure to compare two versions of the code by. Each
import runs in a fresh interpreter with the layer's bytecode compiled, as in `make bench`; an empty interpreter's
count is taken off every figure. Needs valgrind (`apt-get install valgrind`); about 8 minutes on 2 cores."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.bench.cold_start import import_environment, import_once, lambda_environment
from scripts.bench.project import FUNCTIONS, LAYER, TEMPLATE

# what every function needs from its libraries, set up as ours is: Powertools' logger, metrics and tracer
# (patching botocore), PynamoDB (with botocore) and pydantic with its first model built; boto3 is imported with a
# function's first boto3 client (loyalty/platform/clients.py), and most make none
LIBRARIES = ("import loyalty.platform.observability, pynamodb.models\n"
             "from pydantic import BaseModel\n"
             "type('Probe', (BaseModel,), {'__annotations__': {'a': int}})\n")
# and an HTTP function's resolver, validating (which builds Powertools' own first model)
RESOLVER = ("from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver\n"
            "APIGatewayHttpResolver(enable_validation=True)\n")
COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(code: str, code_dir: Path, env: dict[str, str]) -> int:
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
                           code], env=import_environment(LAYER, code_dir, env), cwd=code_dir,
                          capture_output=True, text=True, check=True)
    found = COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    routed = {route.function for route in TEMPLATE.routes()}
    any_dir = next(iter(FUNCTIONS.values())).code_dir
    probes = {"empty interpreter": ("pass", any_dir), "import boto3": ("import boto3", any_dir),
              # boto3 with the collector off, as a function's init runs on Lambda (platform/init_phase.py)
              "import boto3, collector off": ("import gc; gc.disable(); import boto3", any_dir),
              "libraries (event function)": (LIBRARIES, any_dir),
              "libraries (HTTP function)": (LIBRARIES + RESOLVER, any_dir),
              **{name: ("import app", spec.code_dir) for name, spec in sorted(FUNCTIONS.items())}}
    with tempfile.TemporaryDirectory(prefix="import-cost-pycache-") as cache:
        env = {**lambda_environment(), "PYTHONPYCACHEPREFIX": cache}
        # compile every module first, as the layer ships it (and boto3, as Lambda's runtime does: no function
        # imports it at its start)
        import_once("boto3", LAYER, any_dir, env, compile_bytecode=True)
        for spec in FUNCTIONS.values():
            import_once("app", LAYER, spec.code_dir, env, compile_bytecode=True)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counts = dict(zip(probes, pool.map(lambda p: instructions(p[0], p[1], env), probes.values()), strict=True))
    empty = counts.pop("empty interpreter")
    unit = counts["import boto3"] - empty
    print(f"{'import':28s} {'M instr':>8s} {'x boto3':>8s} {'libraries':>10s} {'our code':>9s}")
    for name, count in counts.items():
        own = count - empty
        floor = counts["libraries (HTTP function)" if name in routed else "libraries (event function)"] - empty
        ours = f"{(own - floor) / unit:9.2f}" if name in FUNCTIONS else ""
        libraries = f"{floor / unit:10.2f}" if name in FUNCTIONS else ""
        print(f"{name:28s} {own / 1e6:8.0f} {own / unit:8.2f} {libraries} {ours}")


if __name__ == "__main__":
    main()

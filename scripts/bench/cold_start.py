"""Cold start: `import app` of each function (and boto3 alone) in fresh interpreters, as a Lambda cold start does,
with the layer on the PYTHONPATH (as /opt/python is on Lambda's) and a deployed function's environment."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from statistics import median

from scripts.bench.project import FUNCTIONS, LAYER, progress

COLD_REPEAT = 21  # fresh interpreters per function, by default: a median of 21 turns moves less with the machine

_IMPORT_PROBE = """
import time
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""


def import_environment(layer: Path, code_dir: Path, env: Mapping[str, str], compile_bytecode: bool = False
                       ) -> dict[str, str]:
    """A fresh interpreter's environment as Lambda's for a function: the layer and the function's code on its
    PYTHONPATH, as Lambda puts /opt/python and the task root on the path (the layer ahead of this project's
    editable install), LAMBDA_TASK_ROOT set. Bytecode is read from, and with `compile_bytecode` written to, env's
    PYTHONPYCACHEPREFIX."""
    return {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(layer), str(code_dir)]),
            "LAMBDA_TASK_ROOT": str(code_dir), "PYTHONDONTWRITEBYTECODE": "" if compile_bytecode else "1"}


def import_once(module: str, layer: Path, code_dir: Path, env: Mapping[str, str], compile_bytecode: bool = False
                ) -> float:
    """Wall time of `import module` in a fresh interpreter with `import_environment`."""
    done = subprocess.run([sys.executable, "-c", _IMPORT_PROBE.format(module=module)], cwd=code_dir,
                          env=import_environment(layer, code_dir, env, compile_bytecode),
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def cold_imports(layer: Path, code_dirs: Mapping[str, Path], env: Mapping[str, str], repeat: int,
                 say: Callable[[str], None]) -> dict[str, float]:
    """Median seconds of `import app` of each function and of a bare `import boto3`, measured in turns (boto3, then
    every function, `repeat` times) so that the machine's other load stretches them alike. Every module is
    compiled first, into a bytecode cache of this run's own: the figures then do not depend on what other runs
    left in the venv's `__pycache__` (the ratio moved from under 2 to over 5 with it), and boto3 is compiled as
    Lambda's runtime ships it."""
    samples: dict[str, list[float]] = {name: [] for name in ["import_boto3", *code_dirs]}
    first = next(iter(code_dirs.values()))

    def run(name: str, cache: str, compile_bytecode: bool = False) -> float:
        code_dir = first if name == "import_boto3" else code_dirs[name]
        lambda_env = {**env, "PYTHONPYCACHEPREFIX": cache}
        return import_once("boto3" if name == "import_boto3" else "app", layer, code_dir, lambda_env, compile_bytecode)

    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        say("cold imports: compiling every module once")
        for name in samples:
            run(name, cache, compile_bytecode=True)
        for turn in range(repeat):
            say(f"cold imports, turn {turn + 1}/{repeat}")
            for name in samples:
                samples[name].append(run(name, cache))
    return {name: median(found) for name, found in samples.items()}


def lambda_environment() -> dict[str, str]:
    """A deployed function's environment, Lambda-like: tracing on (POWERTOOLS_TRACE_DISABLED false; the import
    sets LAMBDA_TASK_ROOT), every function's variables."""
    return {"AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "bench", "POWERTOOLS_TRACE_DISABLED": "false",
            **{k: v for spec in FUNCTIONS.values() for k, v in spec.environment.items()}}


def cold_starts(repeat: int) -> dict[str, float]:
    """Import time of every function module and of a bare boto3, in the environment a deployed function has."""
    return cold_imports(LAYER, {name: spec.code_dir for name, spec in sorted(FUNCTIONS.items())}, lambda_environment(),
                        repeat, progress)

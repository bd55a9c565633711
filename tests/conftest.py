"""Test set-up: the layer on sys.path like /opt/python, dummy credentials, never a real AWS endpoint."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "loyalty"), str(ROOT)]

from tests.support.environment import use_in_process_aws  # noqa: E402

use_in_process_aws(program_parameter="/loyalty/test/program")

from local.atomic_moto import serialize_in_process_moto  # noqa: E402
from local.isolation import isolate_invocations_per_thread  # noqa: E402

serialize_in_process_moto()
isolate_invocations_per_thread()  # tests run concurrent invocations on threads, as the local run does
pytest_plugins = ["tests.support.fixtures"]

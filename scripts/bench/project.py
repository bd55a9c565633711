"""What every part of `make bench` shares: the project's template and layer, the event a handler is given, and the
progress line on stderr (stdout is captured while handlers run: Powertools flushes its metrics there)."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "loyalty"
TEMPLATE = Template(ROOT / "template.yaml")
FUNCTIONS = TEMPLATE.functions()
Event = tuple[str, dict[str, Any]]  # (function logical id, event)
STARTED = time.perf_counter()


def progress(text: str) -> None:
    print(f"  {time.perf_counter() - STARTED:6.1f}s  {text}", file=sys.stderr, flush=True)

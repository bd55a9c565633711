"""A throwaway SAM app for the runner's own tests: a template and its functions' code, on free ports."""
from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import local


def run_app(root: Path, template: str, functions: dict[str, str]) -> Iterator[local.Runner]:
    """Write the template and each function's app.py (folder name -> source) under `root`, run it, stop it."""
    (root / "template.yaml").write_text(template)
    for name, code in functions.items():
        (root / "functions" / name).mkdir(parents=True)
        (root / "functions" / name / "app.py").write_text(textwrap.dedent(code))
    started = local.start(root / "template.yaml", root, api_port=0, lambda_port=0, moto_port=0, schedules=False,
                          data_dir=None)
    yield started
    started.stop()

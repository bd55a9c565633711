"""Rules of the codebase that a reader relies on: every error code is documented, and no module name is used in
two layers (so `clock` or `audit` always means one thing)."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import loyalty
from loyalty.domain.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(loyalty.__file__).parent


def test_every_error_code_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if re.match(r"\| (4|5)\d\d \|", line))
    missing = [code.value for code in ErrorCode if f"`{code.value}`" not in table]
    assert not missing, missing


def test_no_module_name_is_used_in_two_layers() -> None:
    layers: dict[str, set[str]] = defaultdict(set)
    for module in PACKAGE.glob("*/*.py"):
        if module.name != "__init__.py":
            layers[module.stem].add(module.parent.name)
    for module in PACKAGE.glob("*.py"):
        layers[module.stem].add("(top)")
    shared = {name: sorted(where) for name, where in layers.items() if len(where) > 1 and name != "__init__"}
    assert not shared, shared

"""platform/deferred_inits.py: Powertools' catch-all package `__init__`s are registered unrun, and every name they
export still reads as the object its submodule defines (whether this process deferred them or not)."""
from __future__ import annotations

import sys
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest

from loyalty.platform.deferred_inits import PACKAGES, defer_init, names_of


def source_of(package: str) -> str:
    spec = find_spec(package)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).read_text(encoding="utf-8")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_reads_as_its_submodules(package: str) -> None:
    found = names_of(package, source_of(package))
    assert found is not None, "the __init__ is no longer a plain list of names: it runs as it is"
    where, exported = found
    assert exported and set(exported) <= set(where)
    module = sys.modules.get(package) or import_module(package)
    for name, submodule in where.items():
        assert getattr(module, name) is getattr(import_module(f"{package}.{submodule}"), name), name


@pytest.mark.parametrize("source", [
    '"""doc"""\nfrom .a import b\nimport os\n',  # an import that is not a name from a submodule
    "from .a import b\nsetup()\n",  # code that must run
    "from other.package import b\n",  # a name from outside the package
    "from .a import *\n",
])
def test_an_init_that_does_more_is_not_deferred(source: str) -> None:
    assert names_of("pkg", source) is None


def test_plain_names_map_to_their_submodules() -> None:
    source = '"""doc"""\nfrom pkg.alpha import A, B as C\nfrom .beta import D\n__all__ = ["A", "C", "D"]\n'
    assert names_of("pkg", source) == ({"A": "alpha", "C": "alpha", "D": "beta"}, ["A", "C", "D"])


def test_a_package_imported_already_is_left_alone() -> None:
    import_module("aws_lambda_powertools.event_handler")
    before = sys.modules["aws_lambda_powertools.event_handler"]
    assert defer_init("aws_lambda_powertools.event_handler") is False
    assert sys.modules["aws_lambda_powertools.event_handler"] is before

"""A package whose names are imported from their submodule on first read (PEP 562), so that a function defines
only the models it uses (the answers, the request models)."""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_names(package: str, where: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The package's module `__getattr__`: `where` maps each name to its submodule; a name read once is kept in
    the package's `namespace`, so later reads are plain attribute reads."""
    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{where[name]}", package), name)
        namespace[name] = value
        return value

    return __getattr__

"""Third-party packages whose `__init__` only gathers names from their submodules, registered without running it.

Powertools' `event_handler/__init__.py` imports every resolver it has (AppSync, Bedrock agents, VPC Lattice...),
`utilities/data_classes/__init__.py` every event class (CodePipeline's brings zipfile and tempfile) and
`openapi/swagger_ui/__init__.py` the OAuth2 settings with all of OpenAPI's models: modules that no function uses
(46 of the 671 AccrueFunction loaded), imported only because `api_gateway` and `swagger_ui.html` live there.
Registered here first, each package gets its real `__path__`, so its submodules import as always, and a PEP 562
`__getattr__` that imports a name, on first read, from the submodule its `__init__` takes it from. An `__init__`
that does anything but import names (say, after an upgrade) runs as it is."""
from __future__ import annotations

import ast
import sys
from importlib import import_module
from importlib.util import find_spec, module_from_spec
from pathlib import Path

from .lazy_names import lazy_names

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.event_handler.openapi",
            "aws_lambda_powertools.event_handler.openapi.swagger_ui", "aws_lambda_powertools.utilities.data_classes")


def names_of(package: str, source: str) -> tuple[dict[str, str], list[str]] | None:
    """Where the package's `__init__` takes each name from (its submodule, relative to the package) and its
    `__all__`; None unless the `__init__` is only a docstring, `from <submodule> import ...` and `__all__`."""
    where: dict[str, str] = {}
    exported: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]:
            exported = list(ast.literal_eval(node.value))
            continue
        if not isinstance(node, ast.ImportFrom) or not node.module:
            return None
        inside = node.level == 1 or node.module.startswith(package + ".")
        if not inside or any(alias.name == "*" for alias in node.names):
            return None  # a name from outside the package: not this module's to defer
        submodule = node.module if node.level else node.module.removeprefix(package + ".")
        where.update({alias.asname or alias.name: submodule for alias in node.names})
    return where, exported


def defer_init(package: str) -> bool:
    """Register `package` with its `__init__` deferred, as above; False if it is imported already or its
    `__init__` is not a plain list of names."""
    if package in sys.modules:
        return False
    spec = find_spec(package)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return False
    found = names_of(package, Path(spec.origin).read_text(encoding="utf-8"))
    if found is None:
        return False
    where, exported = found
    module = module_from_spec(spec)  # __name__, __path__, __spec__: everything but running the __init__
    module.__dict__.update(__all__=exported, __getattr__=lazy_names(package, where, module.__dict__))
    sys.modules[package] = module
    parent, _, name = package.rpartition(".")
    setattr(import_module(parent), name, module)
    return True


def defer_inits() -> None:
    for package in PACKAGES:
        defer_init(package)

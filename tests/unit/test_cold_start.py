"""Cold start (DESIGN.md, Scale and cost): what `import app` loads, as Lambda imports it with tracing on.

No time is asserted (`make bench` measures it): the modules that made a cold start 3 to 4 times a bare
`import boto3` must not come back. One fresh interpreter imports every function's module, the functions that
serve no route first, in the environment a deployed function has (LAMBDA_TASK_ROOT set, so Powertools' Tracer is
on and patches)."""
from __future__ import annotations

import ast
import gc
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from local.template import FunctionSpec
from loyalty import answers, events
from loyalty.api import schemas
from loyalty.platform import init_phase
from loyalty.platform.deferred_inits import PACKAGES as DEFERRED
from loyalty.platform.init_phase import PLATFORM, ROOM_SLOTS, init_begins, init_done
from tests.support.aws import ROOT, TEMPLATE

_PROBE = """
import importlib.util, json, sys
def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
seen = {}
for name, path in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location(f"app_{name}", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    seen[name] = sorted(m for m in sys.modules if m.split(".")[0] in ("aws_lambda_powertools", "aws_xray_sdk", "asyncio",
                                                                      "httpx", "requests", "sqlite3", "pynamodb", "boto3")
                        or m.startswith(("loyalty.answers.", "loyalty.domain.")))
from loyalty.answers import Answer
from loyalty.api.schemas import Strict
from loyalty.api.triggers import TriggerModel
from loyalty.domain.program import _Doc
from loyalty.events.details import _Part
built = {m.__name__ for base in (Answer, Strict, TriggerModel, _Doc, _Part) for m in _subclasses(base)
         if m.__pydantic_complete__}
import gc
print(json.dumps({"modules": seen, "built": sorted(built), "collector": [gc.isenabled(), gc.get_freeze_count()]}))
"""
# X-Ray's patch_all imports every library it can patch that is installed (httpx and requests are, in the dev
# virtualenv): the tracer patches botocore only
NEVER = {"httpx", "requests", "sqlite3", "aws_xray_sdk.ext.httpx", "aws_xray_sdk.ext.requests",
         "aws_xray_sdk.ext.pynamodb", "aws_xray_sdk.ext.httplib"}
# the resolver package and its OpenAPI models (the packages the layer registers unrun are empty: not counted)
HTTP_ONLY = ("aws_lambda_powertools.event_handler",
             "loyalty.answers.")  # the HTTP answers' submodules
# but for the answers a worker's writes keep for their replays: each credit of a bulk credit is an adjustment
KEEPS_ANSWERS = {"BulkCreditWorkerFunction"}

# what Powertools' catch-all __init__s would import (the AppSync and Bedrock resolvers, CodePipeline's event with
# zipfile and tempfile, Swagger UI's OAuth2 settings with all of OpenAPI's models): platform/deferred_inits.py
# registers those packages unrun
UNUSED_POWERTOOLS = tuple(f"aws_lambda_powertools.{m}" for m in (
    "event_handler.appsync", "event_handler.events_appsync", "event_handler.graphql_appsync",
    "event_handler.bedrock_agent", "event_handler.vpc_lattice", "utilities.data_classes.code_pipeline_job_event",
    "utilities.data_classes.appsync_resolver_event", "utilities.data_classes.connect_contact_flow_event",
    "event_handler.openapi.models"))


def imported_by_each(only: str | None = None) -> tuple[dict[str, set[str]], set[str], list[int]]:
    """{function: modules loaded once it and the ones before it were imported}, non-HTTP functions first (those
    that keep answers last of them), or `only` that one; the models of the answers, requests, events and program
    that are built (schema made) at import; and, once all are imported, [garbage collector on, objects frozen]."""
    routed = {r.function for r in TEMPLATE.routes()}
    order = sorted((s for s in TEMPLATE.functions().values() if only in (None, s.logical_id)),
                   key=lambda s: (s.logical_id in routed, s.logical_id in KEEPS_ANSWERS, s.logical_id))
    specs = [(s.logical_id, str(s.code_dir / "app.py")) for s in order]
    env = {**os.environ, **next(iter(TEMPLATE.functions().values())).environment,
           "AWS_REGION": "us-east-1", "PROGRAM_CACHE_SECONDS": "30", "LAMBDA_TASK_ROOT": str(ROOT),
           "AWS_LAMBDA_FUNCTION_NAME": "cold-start-test", "IMPORTS_TABLE": "ImportsTable",
           "IMPORTS_BUCKET": "importsbucket", "EXPORTS_BUCKET": "exportsbucket",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "loyalty"), str(ROOT)])}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(specs)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    return {name: set(mods) for name, mods in found["modules"].items()}, set(found["built"]), found["collector"]


def test_imports_stay_narrow() -> None:
    seen, built, (collecting, frozen) = imported_by_each()
    # answers, requests, triggers, events and the program's parts are built on first use, not at import (all but
    # the resolver's 401 answer, made once at import, and the generic bus envelope, which pydantic completes when
    # it is first parametrized)
    assert built <= {"GatewayMessage", "BusEvent"}
    # the garbage collector, off for the init phase on Lambda, is on again after it, the init's objects frozen
    assert collecting and frozen > 10_000
    routed = {r.function for r in TEMPLATE.routes()}
    last = list(seen)[-1]
    assert "aws_xray_sdk.ext.botocore.patch" in seen[last]  # tracing really on, as deployed
    assert not NEVER & seen[last]
    assert "boto3" not in seen[last]  # imported with a function's first boto3 client (platform/clients.py), if any
    for name, modules in seen.items():
        if name not in routed:  # imported before any HTTP function
            http_only = HTTP_ONLY[:1] if name in KEEPS_ANSWERS else HTTP_ONLY
            assert not {m for m in modules if m.startswith(http_only) and m not in DEFERRED}, name
    # Powertools' catch-all __init__s stay unrun: no function loads the resolvers and event classes it never uses
    assert not {m for m in seen[last] if m.startswith(UNUSED_POWERTOOLS)}


def test_the_stream_forwarder_loads_no_rules() -> None:
    """AnnounceFunction puts a write's stored events on the bus: its trigger models import neither the domain's
    rules nor any answer (domain.figures, for the analytics trigger's WriteFigures, names the rest in annotations)."""
    seen, _, _ = imported_by_each("AnnounceFunction")
    assert {m for m in seen["AnnounceFunction"] if m.startswith(("loyalty.domain.", "loyalty.answers."))} <= {
        "loyalty.domain.errors", "loyalty.domain.figures"}
    # nor PynamoDB (it reads no table), nor the batch utility's pydantic record models (it imports the batch
    # utility before pydantic: functions/ruff.toml)
    assert not {m for m in seen["AnnounceFunction"] if m.startswith(("pynamodb", "aws_lambda_powertools.utilities.parser"))}


@pytest.mark.parametrize("package", [answers, schemas, events], ids=lambda p: p.__name__)
def test_lazy_packages_name_their_submodules(package: ModuleType) -> None:
    """loyalty.answers, loyalty.api.schemas and loyalty.events import a submodule when one of its names is first read: the map,
    the re-exports mypy reads and what each submodule defines are the same names."""
    defined = {}
    for sub in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{sub.name}")
        tree = ast.parse(Path(module.__file__ or "").read_text())
        names = {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)}
        names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        names |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        defined |= dict.fromkeys((n for n in names if not n.startswith("_")), sub.name)
    assert defined == package.WHERE
    guarded = next(n for n in ast.parse(Path(package.__file__ or "").read_text()).body if isinstance(n, ast.If))
    exported = {a.asname: node.module for node in guarded.body if isinstance(node, ast.ImportFrom) for a in node.names}
    assert exported == defined
    for name, sub in defined.items():  # and each name read from the package is the submodule's own
        assert getattr(package, name) is getattr(importlib.import_module(f"{package.__name__}.{sub}"), name)


def test_the_tracer_brings_no_asyncio() -> None:
    """X-Ray's SDK on wrapt 1.x (layers/loyalty/requirements.txt): wrapt 2 imports asyncio, 0.28 x a bare `import
    boto3`. Only the batch utility (AnnounceFunction, BulkCreditFunction) still brings it."""
    seen, _, _ = imported_by_each("AccrueFunction")
    assert "aws_xray_sdk.ext.botocore.patch" in seen["AccrueFunction"]
    assert "asyncio" not in seen["AccrueFunction"]


def test_each_function_ends_its_init_phase() -> None:
    """Every function's `app` ends with `init_done()` (platform/init_phase.py): on Lambda the layer turns the
    garbage collector off for the init phase, and a function that forgot would run its invocations without it."""
    for spec in TEMPLATE.functions().values():
        last = ast.parse((spec.code_dir / "app.py").read_text()).body[-1]
        assert ast.unparse(last) == "init_done()", spec.logical_id


def test_the_init_phase_runs_without_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(ROOT))
    try:
        init_begins()
        assert not gc.isenabled()
        made = [[n] for n in range(1000)]
        init_done()
        assert gc.isenabled() and gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()
        gc.enable()


def test_off_lambda_the_collector_stays_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    imported: list[str] = []
    monkeypatch.setattr(init_phase, "import_module", imported.append)
    init_begins()
    init_done()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert not imported  # the tests and the local run import the platform module as any other


def test_the_platform_module_is_imported_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Lambda the layer imports the platform module from a frame that reserves ROOM_SLOTS of CPython's data
    stack (64 KiB), so that what it imports calls nothing at a chunk's edge (platform/init_phase.py)."""
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(ROOT))
    imported: list[tuple[str, int]] = []
    monkeypatch.setattr(init_phase, "import_module",
                        lambda name: imported.append((name, sys._getframe(1).f_code.co_stacksize)))
    try:
        init_begins()
    finally:
        gc.enable()
    assert imported == [(PLATFORM, ROOM_SLOTS)]


@pytest.mark.parametrize("spec", TEMPLATE.functions().values(), ids=lambda s: s.logical_id)
def test_every_function_imports_the_platform_module(spec: FunctionSpec) -> None:
    """What the layer imports with room on Lambda is a module each function loads anyway (here off Lambda,
    where the layer imports nothing ahead): no function loads more for it."""
    env = {**os.environ, **spec.environment, "AWS_REGION": "us-east-1",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "loyalty"), str(spec.code_dir)])}
    env.pop("LAMBDA_TASK_ROOT", None)
    done = subprocess.run([sys.executable, "-c", f"import app, sys; print({PLATFORM!r} in sys.modules)"],
                          env=env, cwd=spec.code_dir, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"

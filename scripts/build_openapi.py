"""Merge the OpenAPI document of every HTTP function (Powertools OpenAPIMerge) into the layer's openapi.json.

`--write` regenerates it; `--check` fails if the committed document differs from what the code generates."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local.template import Template
from tests.support.environment import use_in_process_aws

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "layers" / "loyalty" / "loyalty" / "openapi.json"
TAGS = {"members": "enroll, the member view and its history", "earning": "accruals and their reversal",
        "spending": "redemptions, their cancellation, transfers", "admin": "adjustments and program figures",
        "catalog": "the public catalog and program rules"}


def http_routes() -> tuple[list[Path], list[tuple[str, str]]]:
    """From template.yaml: the code folder of every function behind a route, and the routes that need no token."""
    template = Template(ROOT / "template.yaml")
    routes = template.routes()
    functions = template.functions()
    folders = sorted({functions[r.function].code_dir for r in routes})
    return folders, [(r.method.lower(), r.path) for r in routes if not r.auth_required]


def generate() -> str:
    use_in_process_aws()  # the handlers are imported, never invoked
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Tag

    merge = OpenAPIMerge(
        title="Loyalty API", version="1.0.0",
        description="Loyalty points: enroll, earn, redeem, transfer, read. Errors: {\"error\": {\"code\", \"message\"}}.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")}, security=[{"bearerAuth": []}],
        on_conflict="error", tags=[Tag(name=name, description=text) for name, text in TAGS.items()],
    )
    folders, public = http_routes()
    for folder in folders:
        merge.add_file(folder / "app.py", resolver_name="app")
    schema = json.loads(merge.get_openapi_json_schema())
    _drop_default_422(schema)
    _distinct_titles(schema)
    for method, path in public:  # `Auth: Authorizer: NONE` in template.yaml
        if method in schema["paths"].get(path, {}):
            schema["paths"][path][method]["security"] = []
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def _drop_default_422(schema: dict[str, Any]) -> None:
    """Powertools documents its own validation errors (422, and 500 for an invalid answer) on every route; ours
    answer the contract's error shape, and a route without parameters or a body answers no 422 at all."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in json.dumps(answer):
                del operation["responses"]["422"]
            if "500" in operation.get("responses", {}):  # our catch-all handler answers it, with the error shape
                operation["responses"]["500"] = {
                    "description": "a bug: nothing was applied twice, the request may be retried",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}}
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f"/{name}\"" not in json.dumps(schema.get("paths", {})):
            schemas.pop(name, None)


def _distinct_titles(schema: dict[str, Any]) -> None:
    """A model that a route takes and another answers has two schemas when they differ (pydantic's `Program-Input`,
    a decimal as a number or a string, and `Program-Output`, a string) with one title, which a client generator
    would turn into one class twice: each gets its component's name as its title (`ProgramInput`)."""
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        if name.endswith(("-Input", "-Output")):
            component["title"] = name.replace("-", "")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    document = generate()
    if args.write:
        TARGET.write_text(document)
        print(f"wrote {TARGET.relative_to(ROOT)} ({len(json.loads(document)['paths'])} paths)")
        return 0
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != document:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
            return 1
        print("openapi.json is up to date")
        return 0
    print(document)
    return 0


if __name__ == "__main__":
    sys.exit(main())

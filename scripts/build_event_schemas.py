"""Write docs/events.schema.json: the JSON Schema of every event detail this service publishes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from loyalty.events import EVENTS

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "events.schema.json"


def generate() -> str:
    schemas = {name: model.model_json_schema(by_alias=True) for name, model in EVENTS.items()}
    return json.dumps({"source": "loyalty", "detail-types": schemas}, indent=1, sort_keys=True) + "\n"


def main() -> int:
    document = generate()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != document:
            print("docs/events.schema.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(document)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extract the JSON schemas of the audit-log-subscription endpoints from LaunchDarkly's OpenAPI spec.

One-off: ``python scripts/extract_openapi_schemas.py path/to/launchdarkly-openapi.yaml`` writes
``tests/contract/schemas/<Schema>.json`` (each self-contained: ``$ref``s resolved inline, ``example``
values dropped) and ``operations.json`` (for each of the five operations: verb, path template and the
schema the spec declares per status). The output is committed; the contract tests read only it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

OPERATIONS = (
    "createSubscription",
    "getSubscriptions",
    "getSubscriptionByID",
    "updateSubscription",
    "deleteSubscription",
)
EXTRA_SCHEMAS = ("MethodNotAllowedErrorRep", "StatusConflictErrorRep", "Statement", "Access", "Link")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "contract" / "schemas"
_DROPPED_KEYS = frozenset({"example", "examples"})
_REF_PREFIX = "#/components/schemas/"


def resolve(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` to a component schema replaced by that schema, recursively."""
    if isinstance(node, list):
        return [resolve(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix(_REF_PREFIX)
        if name in seen:
            raise ValueError(f"recursive schema {' -> '.join((*seen, name))}")
        return resolve(schemas[name], schemas, (*seen, name))
    return {key: resolve(value, schemas, seen) for key, value in node.items() if key not in _DROPPED_KEYS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="LaunchDarkly's OpenAPI YAML")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(args.spec.read_text(encoding="utf-8"), Loader=loader)
    schemas: dict[str, Any] = spec["components"]["schemas"]

    operations: dict[str, Any] = {}
    needed: set[str] = set(EXTRA_SCHEMAS)
    for path, item in spec["paths"].items():
        for verb, operation in item.items():
            if not isinstance(operation, dict) or operation.get("operationId") not in OPERATIONS:
                continue
            responses: dict[str, str | None] = {}
            for status, response in operation["responses"].items():
                ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                name = ref.removeprefix(_REF_PREFIX) if ref else None
                responses[str(status)] = name
                if name:
                    needed.add(name)
            operations[operation["operationId"]] = {
                "method": verb.upper(),
                "path": path,
                "responses": responses,
            }
    missing = set(OPERATIONS) - set(operations)
    if missing:
        print(f"operations not found in the spec: {sorted(missing)}", file=sys.stderr)
        return 1

    args.output.mkdir(parents=True, exist_ok=True)
    source = f"Extracted from {args.spec.name} by scripts/extract_openapi_schemas.py; do not edit."
    for name in sorted(needed):
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": name,
            "$comment": source,
        }
        schema.update(resolve(schemas[name], schemas, (name,)))
        (args.output / f"{name}.json").write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    document = {"$comment": source, "operations": operations}
    (args.output / "operations.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(needed)} schemas and operations.json to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The rules a subscription must satisfy, applied to create bodies and to the result of every patch.

:func:`normalize_subscription` validates a whole subscription document against the integration's
catalog entry, fills defaults and returns the canonical stored form; every problem it finds becomes
part of one :class:`~pulumi_ld_auditsubs.testing.emulator.errors.InvalidRequest` whose message names
each offending field (``config.apiKey is required; statements[0].effect must be one of allow, deny``).
:func:`patch_operations` and :func:`check_patch_paths` check a PATCH body before it is applied.

Where LaunchDarkly's real rules are unknown (see ``LAUNCHDARKLY_API.md`` section 10) the emulator is
strict, so that client bugs surface here rather than against the real API:

* unknown top-level fields and unknown config keys are refused (the real API may ignore them);
* a required config string must not be empty; an optional ``uri`` may be ``""`` (its manifest default);
* ``tags`` items are any strings (TF v2's ``^[a-zA-Z0-9_.-]*$`` rule is not applied);
* a statement list that is present must not be empty, and explicit ``null`` is never "omitted";
* omitted ``on`` becomes ``false``, omitted ``tags`` and ``statements`` become ``[]`` (the manifest's
  ``defaultPolicy`` is *not* applied);
* ``generated`` fields (cloudtrail ``externalId``) keep a client value, else the previous value,
  else a new UUID4.

Not emulated: config types without a catalog entry (``oauth``, ``dynamicEnum``, ...) accept any JSON
value; name uniqueness is not enforced (duplicates are allowed).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_ld_auditsubs.rules.catalog import FormVariable, Integration
from pulumi_ld_auditsubs.testing.emulator.errors import InvalidRequest

EDITABLE_FIELDS = ("name", "config", "statements", "on", "tags", "url", "apiKey")
"""Top-level fields a client may send or patch; ``url``/``apiKey`` are the spec's legacy fields."""
LEGACY_FIELDS = ("url", "apiKey")
STATEMENT_FIELDS = ("effect", "resources", "notResources", "actions", "notActions")
EFFECTS = ("allow", "deny")
PATCH_OPS = ("add", "remove", "replace", "move", "copy", "test")
_STRING_TYPES = frozenset({"string", "uri", "enum", "generated", "publicKey"})


def normalize_subscription(
    document: object,
    integration: Integration,
    *,
    previous_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``document`` and return the stored form (defaults filled, plaintext secrets)."""
    if not isinstance(document, dict):
        raise InvalidRequest("request body must be a JSON object")
    errors: list[str] = []
    errors.extend(f"{key} is not a valid field" for key in document if key not in EDITABLE_FIELDS)

    name = document.get("name")
    if "name" not in document:
        errors.append("name is required")
    elif not isinstance(name, str) or not name.strip():
        errors.append("name must be a non-empty string")

    config: dict[str, Any] = {}
    if "config" not in document:
        errors.append("config is required")
    elif not isinstance(document["config"], dict):
        errors.append("config must be an object")
    else:
        config = _normalize_config(document["config"], integration, previous_config or {}, errors)

    on = document.get("on", False)
    if not isinstance(on, bool):
        errors.append("on must be a boolean")

    tags = document.get("tags", [])
    if not isinstance(tags, list):
        errors.append("tags must be an array of strings")
    else:
        errors.extend(f"tags[{i}] must be a string" for i, tag in enumerate(tags) if not isinstance(tag, str))

    statements = document.get("statements", [])
    if not isinstance(statements, list):
        errors.append("statements must be an array")
    else:
        for index, statement in enumerate(statements):
            _check_statement(statement, f"statements[{index}]", errors)

    for legacy in LEGACY_FIELDS:
        if legacy in document and not isinstance(document[legacy], str):
            errors.append(f"{legacy} must be a string")

    if errors:
        raise InvalidRequest("; ".join(errors))
    result: dict[str, Any] = {
        "name": name,
        "config": config,
        "statements": statements,
        "on": on,
        "tags": tags,
    }
    result.update({legacy: document[legacy] for legacy in LEGACY_FIELDS if legacy in document})
    return result


def _normalize_config(
    config: Mapping[str, Any],
    integration: Integration,
    previous: Mapping[str, Any],
    errors: list[str],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in config.items():
        variable = integration.variable(key)
        if variable is None:
            errors.append(f"config.{key} is not a valid config field for integration {integration.key}")
            continue
        problem = _config_value_problem(variable, value)
        if problem:
            errors.append(f"config.{key} {problem}")
        result[key] = value
    for variable in integration.form_variables:
        if variable.key in config:
            continue
        if variable.is_generated:
            result[variable.key] = previous.get(variable.key) or str(uuid.uuid4())
        elif variable.is_optional:
            if variable.default_value is not None:
                result[variable.key] = variable.default_value
        else:
            errors.append(f"config.{variable.key} is required")
    return result


def _config_value_problem(variable: FormVariable, value: object) -> str | None:
    if variable.type == "boolean":
        return None if isinstance(value, bool) else "must be a boolean (true or false)"
    if variable.type not in _STRING_TYPES:
        return None
    if not isinstance(value, str):
        return "must be a string"
    if value == "":
        return None if variable.is_optional else "must not be empty"
    if variable.type == "enum" and value not in variable.allowed_values:
        return "must be one of " + ", ".join(variable.allowed_values)
    if variable.type == "uri" and not _is_http_url(value):
        return "must be an absolute http(s) URL"
    return None


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_statement(statement: object, where: str, errors: list[str]) -> None:
    if not isinstance(statement, dict):
        errors.append(f"{where} must be an object")
        return
    errors.extend(
        f"{where}.{key} is not a valid statement field" for key in statement if key not in STATEMENT_FIELDS
    )
    if statement.get("effect") not in EFFECTS:
        errors.append(f"{where}.effect must be one of " + ", ".join(EFFECTS))
    for positive, negative in (("resources", "notResources"), ("actions", "notActions")):
        present = [key for key in (positive, negative) if key in statement]
        if len(present) != 1:
            errors.append(f"{where} must have exactly one of {positive}, {negative}")
        for key in present:
            _check_string_list(statement[key], f"{where}.{key}", errors)


def _check_string_list(value: object, where: str, errors: list[str]) -> None:
    if not isinstance(value, list):
        errors.append(f"{where} must be an array of strings")
    elif not value:
        errors.append(f"{where} must not be empty")
    else:
        errors.extend(
            f"{where}[{i}] must be a string" for i, item in enumerate(value) if not isinstance(item, str)
        )


def patch_operations(body: object) -> list[dict[str, Any]]:
    """The operations of a PATCH body: a bare RFC 6902 array or ``{"comment": ..., "patch": [...]}``."""
    if isinstance(body, dict):
        unknown = sorted(set(body) - {"comment", "patch"})
        if unknown:
            raise InvalidRequest(
                f"{unknown[0]} is not a valid field of a patch request "
                '(send a JSON Patch array or {"comment", "patch"})'
            )
        if "comment" in body and not isinstance(body["comment"], str):
            raise InvalidRequest("comment must be a string")
        if "patch" not in body:
            raise InvalidRequest("patch is required")
        body = body["patch"]
    if not isinstance(body, list):
        raise InvalidRequest("patch must be an array of JSON Patch operations")
    if not body:
        raise InvalidRequest("patch must contain at least one operation")
    for index, op in enumerate(body):
        _check_operation(op, f"patch[{index}]")
    return body


def _check_operation(op: object, where: str) -> None:
    if not isinstance(op, dict):
        raise InvalidRequest(f"{where} must be an object")
    if op.get("op") not in PATCH_OPS:
        raise InvalidRequest(f"{where}.op must be one of " + ", ".join(PATCH_OPS))
    if not isinstance(op.get("path"), str):
        raise InvalidRequest(f"{where}.path must be a string (a JSON Pointer)")
    if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
        raise InvalidRequest(f"{where}.from must be a string (a JSON Pointer)")
    if op["op"] in ("add", "replace", "test") and "value" not in op:
        raise InvalidRequest(f"{where}.value is required for op {op['op']}")


def check_patch_paths(operations: list[dict[str, Any]]) -> None:
    """Refuse pointers that are malformed or reach the document root, ``_``-prefixed fields or ``kind``."""
    for index, op in enumerate(operations):
        for member in ("path", "from"):
            if member not in op:
                continue
            pointer: str = op[member]
            where = f"patch[{index}].{member}"
            if pointer == "":
                raise InvalidRequest(f"{where}: the document root cannot be patched")
            if not pointer.startswith("/"):
                raise InvalidRequest(f"{where} {pointer!r} is not a JSON Pointer (it must start with /)")
            top = pointer[1:].split("/", 1)[0].replace("~1", "/").replace("~0", "~")
            if top.startswith("_") or top == "kind":
                raise InvalidRequest(f"{where} {pointer} is not editable")

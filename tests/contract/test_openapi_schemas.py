"""Every body the emulator sends in a representative session validates against LaunchDarkly's schemas.

The schemas in ``schemas/`` were extracted once from LaunchDarkly's OpenAPI spec by
``scripts/extract_openapi_schemas.py`` (``$ref``s inlined); ``operations.json`` says which schema the
spec declares for each operation and status. Integration representations are additionally checked
with ``additionalProperties: false`` added to every object that lists its properties, so the emulator
cannot grow a field the spec does not have.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from pulumi_ld_auditsubs.testing import Emulator

SCHEMAS = Path(__file__).parent / "schemas"
OPERATIONS: dict[str, Any] = json.loads((SCHEMAS / "operations.json").read_text())["operations"]
GENERIC_ERROR_SCHEMAS = {401: "UnauthorizedErrorRep", 405: "MethodNotAllowedErrorRep"}
"""Statuses the spec leaves out for some operations (401 on updateSubscription) or all of them (405)."""
PREFIX = "/api/v2/integrations"


def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    return schema


def closed(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` on every object that lists properties."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        result["additionalProperties"] = False
    return result


def operation_of(method: str, path: str) -> str | None:
    """The spec's operationId for a request, by verb and path shape."""
    template = re.sub(r"^/api/v2/integrations/[^/]+/[^/]+$", PREFIX + "/{integrationKey}/{id}", path)
    template = re.sub(r"^/api/v2/integrations/[^/]+$", PREFIX + "/{integrationKey}", template)
    return next(
        (op for op, spec in OPERATIONS.items() if spec["method"] == method and spec["path"] == template), None
    )


class Recorder:
    """Sends requests and keeps (operationId, status, response) for validation."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.seen: list[tuple[str | None, str, str, requests.Response]] = []

    def send(
        self, method: str, path: str, *, token: str | None = None, body: Any = None
    ) -> requests.Response:
        headers = {"Authorization": self.emulator.token if token is None else token}
        response = self.session.request(method, self.emulator.url + path, json=body, headers=headers)
        self.seen.append((operation_of(method, path), method, path, response))
        return response

    def close(self) -> None:
        self.session.close()


DATADOG = {
    "name": "contract",
    "config": {"apiKey": "dd-secret-api-key-0123"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
    "on": True,
    "tags": ["contract"],
}
PATCH = [{"op": "replace", "path": "/on", "value": False}]


def representative_session(emulator: Emulator) -> Iterator[Recorder]:
    recorder = Recorder(emulator)
    try:
        send = recorder.send
        created = send("POST", f"{PREFIX}/datadog", body=DATADOG).json()
        item = f"{PREFIX}/datadog/{created['_id']}"
        send(
            "POST",
            f"{PREFIX}/slack",
            body={"name": "s", "config": {"url": "https://h.io/x"}, "url": "https://h.io/x"},
        )
        send("POST", f"{PREFIX}/cloudtrail", body={"name": "c", "config": {"ingestionChannelArn": "arn:x"}})
        send(
            "POST",
            f"{PREFIX}/splunk",
            body={
                "name": "sp",
                "config": {"base-url": "https://s.io", "token": "splunk-token", "skip-ca-verification": True},
                "statements": [{"effect": "deny", "notActions": ["x"], "notResources": ["y"]}],
            },
        )
        send("POST", f"{PREFIX}/datadog", body={**DATADOG, "apiKey": "legacy-key-123"})
        send("GET", f"{PREFIX}/datadog")
        send("GET", f"{PREFIX}/honeycomb")
        send("GET", item)
        send("PATCH", item, body=PATCH)
        send("PATCH", item, body={"comment": "c", "patch": [{"op": "add", "path": "/tags/-", "value": "x"}]})
        for method, path, body in (
            ("POST", f"{PREFIX}/datadog", DATADOG),
            ("GET", f"{PREFIX}/datadog", None),
            ("GET", item, None),
            ("PATCH", item, PATCH),
            ("DELETE", item, None),
        ):
            send(method, path, body=body, token="api-wrong")
            send(method, path.replace("datadog", "nope"), body=body)
            if method != "GET":
                send(method, path, body=body, token="api-read-only")
        send("POST", f"{PREFIX}/datadog", body={"name": ""})
        send("PATCH", item, body=[{"op": "replace", "path": "/_id", "value": "x"}])
        send("PATCH", item, body=[{"op": "replace", "path": "/on", "value": "no"}])
        send("GET", f"{PREFIX}/datadog/fake-id")
        send("PATCH", f"{PREFIX}/datadog/fake-id", body=PATCH)
        send("PUT", item, body=DATADOG)
        send("DELETE", f"{PREFIX}/datadog")
        # The emulator never refuses a read (read-only tokens may GET) and has no optimistic locking,
        # so the spec's 403-on-GET and 409-on-PATCH bodies come from fault injection's error bodies.
        emulator.inject_fault("GET", f"{PREFIX}/datadog*", status=403, times=2)
        send("GET", f"{PREFIX}/datadog")
        send("GET", item)
        emulator.inject_fault("PATCH", item, status=409)
        send("PATCH", item, body=PATCH)
        send("DELETE", item)
        send("DELETE", item)
        yield recorder
    finally:
        recorder.close()


def rate_limited_session() -> Iterator[Recorder]:
    with Emulator(rate_limit=1) as limited:
        recorder = Recorder(limited)
        try:
            item = (
                f"{PREFIX}/datadog/" + recorder.send("POST", f"{PREFIX}/datadog", body=DATADOG).json()["_id"]
            )
            for method, path, body in (
                ("POST", f"{PREFIX}/datadog", DATADOG),
                ("GET", f"{PREFIX}/datadog", None),
                ("GET", f"{PREFIX}/datadog", None),
                ("GET", item, None),
                ("GET", item, None),
                ("PATCH", item, PATCH),
                ("PATCH", item, PATCH),
                ("DELETE", item, None),
                ("DELETE", item, None),
            ):
                recorder.send(method, path, body=body)
            yield recorder
        finally:
            recorder.close()


@pytest.fixture
def responses(emulator: Emulator) -> Iterator[list[tuple[str | None, str, str, requests.Response]]]:
    for recorder in representative_session(emulator):
        for limited in rate_limited_session():
            yield recorder.seen + limited.seen


def schema_name(operation: str | None, status: int) -> str | None:
    declared = OPERATIONS[operation]["responses"] if operation else {}
    if str(status) in declared:
        name: str | None = declared[str(status)]
        return name
    return GENERIC_ERROR_SCHEMAS[status]


def test_every_response_validates_against_the_spec_schema(
    responses: list[tuple[str | None, str, str, requests.Response]],
) -> None:
    for operation, method, path, response in responses:
        name = schema_name(operation, response.status_code)
        context = f"{method} {path} -> {response.status_code} ({operation}, {name})"
        if name is None:
            assert response.content == b"", context
            continue
        assert response.headers["Content-Type"] == "application/json", context
        body = response.json()
        schema = load_schema(name)
        jsonschema.Draft202012Validator(schema).validate(body)
        if name in ("Integration", "Integrations"):
            jsonschema.Draft202012Validator(closed(schema)).validate(body)
        if response.status_code >= 400:
            uuid.UUID(body["id"])


def test_the_session_covers_every_documented_response(
    responses: list[tuple[str | None, str, str, requests.Response]],
) -> None:
    seen: dict[str | None, set[str]] = defaultdict(set)
    for operation, _method, _path, response in responses:
        seen[operation].add(str(response.status_code))
    for operation, spec in OPERATIONS.items():
        assert set(spec["responses"]) <= seen[operation], operation
    assert any(response.status_code == 405 for *_request, response in responses)


def test_schemas_are_well_formed() -> None:
    for path in SCHEMAS.glob("*.json"):
        if path.name != "operations.json":
            jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def _valid_integration() -> dict[str, Any]:
    return {
        "_id": "0123456789abcdef01234567",
        "kind": "datadog",
        "name": "n",
        "config": {"apiKey": "abc****123", "hideMemberDetails": False},
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
        "on": True,
        "tags": ["t"],
        "_links": {"self": {"href": "/x", "type": "application/json"}},
        "_access": {"allowed": [], "denied": []},
        "_status": {"successCount": 0, "errorCount": 0},
    }


@pytest.mark.parametrize(
    ("path", "wrong"),
    [
        (("on",), "true"),
        (("_id",), 1),
        (("name",), None),
        (("tags",), "t"),
        (("tags", 0), 1),
        (("config",), []),
        (("statements", 0, "effect"), "maybe"),
        (("statements", 0, "actions"), "*"),
        (("_links", "self", "href"), 5),
        (("_access",), {"allowed": []}),
        (("_status", "successCount"), "0"),
    ],
)
def test_integration_schema_rejects_wrong_types(path: tuple[str | int, ...], wrong: Any) -> None:
    document = _valid_integration()
    jsonschema.validate(document, load_schema("Integration"))
    broken = copy.deepcopy(document)
    target: Any = broken
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = wrong
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, load_schema("Integration"))


def test_closed_integration_schema_rejects_unknown_fields() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**_valid_integration(), "surprise": 1}, closed(load_schema("Integration")))


@pytest.mark.parametrize(
    "name",
    [
        "InvalidRequestErrorRep",
        "UnauthorizedErrorRep",
        "ForbiddenErrorRep",
        "NotFoundErrorRep",
        "MethodNotAllowedErrorRep",
        "RateLimitedErrorRep",
        "StatusConflictErrorRep",
    ],
)
def test_error_schemas_require_code_and_message_strings(name: str) -> None:
    schema = load_schema(name)
    jsonschema.validate({"code": "c", "message": "m", "id": str(uuid.uuid4())}, schema)
    for broken in ({"code": "c"}, {"message": "m"}, {"code": 1, "message": "m"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_integrations_schema_rejects_a_non_array_items() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"items": {}, "key": "datadog", "_links": {}}, load_schema("Integrations"))

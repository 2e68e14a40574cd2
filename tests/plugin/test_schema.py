"""The package schema GetSchema answers: valid for Pulumi's codegen, and the contract's names.

Pulumi's metaschema (pkg/codegen/schema/pulumi.json, copied into tests/plugin/schemas) is JSON Schema
2020-12 written for an ECMAScript engine: its version pattern uses named groups ``(?<name>``, which
Python's ``re`` spells ``(?P<name>``; the copy is rewritten so at load time (``(?<=``/``(?<!`` stay).
The binder's own rules (``validateTypeToken`` in pkg/codegen/schema/bind.go) are checked beside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.api.settings import OWN_KEYS
from pulumi_ld_auditsubs.plugin.schema import SETTINGS, build_schema, schema_json
from pulumi_ld_auditsubs.rules.catalog import load_catalog

METASCHEMA = Path(__file__).parent / "schemas" / "pulumi-package-metaschema.json"


def _metaschema() -> dict[str, Any]:
    text = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", METASCHEMA.read_text())
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _tokens(schema: dict[str, Any]) -> list[str]:
    return [*schema["resources"], *schema["types"], *schema["functions"]]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_schema_is_valid_against_pulumis_metaschema() -> None:
    validator = jsonschema.Draft202012Validator(_metaschema())
    errors = sorted(validator.iter_errors(json.loads(schema_json())), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_a_broken_schema_is_refused_by_the_metaschema() -> None:
    """The validation above can fail: a property without a type or reference is refused."""
    broken = build_schema()
    broken["resources"]["ld-auditsubs:index:AuditLogSubscription"]["inputProperties"]["name"] = {"type": 3}
    assert list(jsonschema.Draft202012Validator(_metaschema()).iter_errors(broken))


def test_every_token_follows_the_binders_rules() -> None:
    schema = build_schema()
    for token in _tokens(schema):
        package, module, member = token.split(":")
        assert package == schema["name"] == "ld-auditsubs", token
        assert module == "index" and member.lower() != "provider", token
    local = {ref.removeprefix("#/types/") for ref in _refs(schema) if ref.startswith("#/types/")}
    assert local <= set(schema["types"])
    assert {ref for ref in _refs(schema) if not ref.startswith("#/types/")} == {"pulumi.json#/Any"}


def test_the_contracts_names() -> None:
    schema = build_schema()
    assert schema["version"] == __version__
    resource = schema["resources"]["ld-auditsubs:index:AuditLogSubscription"]
    inputs = {"integrationKey", "name", "config", "statements", "on", "tags", "adoptId", "changeComment"}
    assert set(resource["inputProperties"]) == inputs
    assert set(resource["properties"]) == inputs | {"subscriptionId", "status", "apiHost"}
    assert resource["inputProperties"]["integrationKey"]["replaceOnChanges"] is True
    assert resource["properties"]["config"]["secret"] is True
    assert resource["inputProperties"]["statements"]["items"] == {
        "$ref": "#/types/ld-auditsubs:index:Statement"
    }
    statement = schema["types"]["ld-auditsubs:index:Statement"]
    assert set(statement["properties"]) == {"effect", "actions", "notActions", "resources", "notResources"}
    assert schema["config"]["variables"]["accessToken"]["secret"] is True
    assert schema["provider"]["inputProperties"] == schema["config"]["variables"]
    get_one = schema["functions"]["ld-auditsubs:index:getAuditLogSubscription"]
    assert set(get_one["inputs"]["properties"]) == {"integrationKey", "subscriptionId"}
    get_all = schema["functions"]["ld-auditsubs:index:getAuditLogSubscriptions"]
    assert set(get_all["inputs"]["properties"]) == {"integrationKey", "tags", "name"}
    assert "required" not in get_all["inputs"]
    item = schema["types"][
        get_all["outputs"]["properties"]["subscriptions"]["items"]["$ref"].removeprefix("#/types/")
    ]
    assert {"id", "integrationKey", "subscriptionId", "name", "on", "tags", "statements", "config"} <= set(
        item["properties"]
    )
    assert item["properties"]["config"]["secret"] is True
    # nothing that could be a credential is a default
    assert all("default" not in variable for variable in schema["config"]["variables"].values())


def test_every_setting_and_every_integration_is_in_the_schema() -> None:
    """Built from the settings and the catalog: a new setting without a schema entry fails here."""
    assert set(SETTINGS) == OWN_KEYS
    variables = build_schema()["config"]["variables"]
    assert set(variables) == {"accessToken", "apiHost"} | {key.split(":", 1)[1] for key in OWN_KEYS}
    config_doc = build_schema()["resources"]["ld-auditsubs:index:AuditLogSubscription"]["inputProperties"][
        "config"
    ]
    for integration in load_catalog().values():
        assert f"`{integration.key}`" in config_doc["description"]


@pytest.mark.parametrize("language", ["python", "nodejs"])
def test_generated_sdks_do_not_take_this_librarys_names(language: str) -> None:
    names = build_schema()["language"][language]
    assert names["packageName"] not in ("pulumi_ld_auditsubs", "pulumi-ld-auditsubs")

"""Create-body validation: each rule is a 400 invalid_request whose message names the field."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from ._support import Api, assert_error, datadog_body

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets ``body[a][b]...`` (path ``a.b``, ints index lists) to ``value``."""

    def mutate(body: dict[str, Any]) -> Any:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = body
        for part in parents:
            target = target[part]
        target[last] = value
        return body

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(body: dict[str, Any]) -> Any:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = body
        for part in parents:
            target = target[part]
        del target[last]
        return body

    return mutate


INVALID_DATADOG_BODIES: list[tuple[str, Mutation, str]] = [
    ("body is an array", lambda body: [body], "request body must be a JSON object"),
    ("body is a string", lambda body: "datadog", "request body must be a JSON object"),
    ("name missing", _drop("name"), "name is required"),
    ("name empty", _set("name", ""), "name must be a non-empty string"),
    ("name blank", _set("name", "   "), "name must be a non-empty string"),
    ("name not a string", _set("name", 5), "name must be a non-empty string"),
    ("config missing", _drop("config"), "config is required"),
    ("config not an object", _set("config", ["apiKey"]), "config must be an object"),
    ("required config key missing", _drop("config.apiKey"), "config.apiKey is required"),
    ("required config key empty", _set("config.apiKey", ""), "config.apiKey must not be empty"),
    ("unknown config key", _set("config.region", "eu"), "config.region is not a valid config field"),
    ("snake_case config key", _set("config.host_url", "x"), "config.host_url is not a valid config field"),
    ("secret not a string", _set("config.apiKey", 12345), "config.apiKey must be a string"),
    (
        "boolean as string",
        _set("config.hideMemberDetails", "true"),
        "config.hideMemberDetails must be a boolean",
    ),
    ("boolean as int", _set("config.hideMemberDetails", 1), "config.hideMemberDetails must be a boolean"),
    ("enum not a string", _set("config.hostURL", True), "config.hostURL must be a string"),
    ("enum value unknown", _set("config.hostURL", "https://x.example"), "config.hostURL must be one of"),
    ("enum null", _set("config.hostURL", None), "config.hostURL must be a string"),
    ("on not a boolean", _set("on", "true"), "on must be a boolean"),
    ("on null", _set("on", None), "on must be a boolean"),
    ("tags not an array", _set("tags", "a,b"), "tags must be an array of strings"),
    ("tag not a string", _set("tags", ["ok", 3]), "tags[1] must be a string"),
    ("statements not an array", _set("statements", {"effect": "allow"}), "statements must be an array"),
    ("statement not an object", _set("statements", ["allow"]), "statements[0] must be an object"),
    ("effect missing", _drop("statements.0.effect"), "statements[0].effect must be one of allow, deny"),
    (
        "effect unknown",
        _set("statements.0.effect", "permit"),
        "statements[0].effect must be one of allow, deny",
    ),
    (
        "resources and notResources",
        _set("statements.0.notResources", ["proj/x"]),
        "statements[0] must have exactly one of resources, notResources",
    ),
    (
        "neither resources nor notResources",
        _drop("statements.0.resources"),
        "statements[0] must have exactly one of resources, notResources",
    ),
    (
        "actions and notActions",
        _set("statements.0.notActions", ["deleteFlag"]),
        "statements[0] must have exactly one of actions, notActions",
    ),
    (
        "neither actions nor notActions",
        _drop("statements.0.actions"),
        "statements[0] must have exactly one of actions, notActions",
    ),
    ("empty resources", _set("statements.0.resources", []), "statements[0].resources must not be empty"),
    ("empty actions", _set("statements.0.actions", []), "statements[0].actions must not be empty"),
    (
        "resources not an array",
        _set("statements.0.resources", "proj/*"),
        "statements[0].resources must be an array",
    ),
    (
        "action not a string",
        _set("statements.0.actions", ["*", 7]),
        "statements[0].actions[1] must be a string",
    ),
    (
        "unknown statement field",
        _set("statements.0.role_name", "x"),
        "statements[0].role_name is not a valid",
    ),
    (
        "snake_case statement field",
        _set("statements.0.not_actions", ["x"]),
        "statements[0].not_actions is not",
    ),
    ("unknown top-level field", _set("integrationKey", "datadog"), "integrationKey is not a valid field"),
    ("read-only field", _set("_id", "0123456789abcdef01234567"), "_id is not a valid field"),
    ("legacy url not a string", _set("url", 5), "url must be a string"),
    ("legacy apiKey not a string", _set("apiKey", False), "apiKey must be a string"),
]


@pytest.mark.parametrize(
    ("mutation", "fragment"),
    [pytest.param(m, f, id=name) for name, m, f in INVALID_DATADOG_BODIES],
)
def test_invalid_datadog_body_is_400_naming_the_field(api: Api, mutation: Mutation, fragment: str) -> None:
    response = api.create(body=mutation(copy.deepcopy(datadog_body())))
    assert_error(response, 400, "invalid_request", fragment)
    assert api.emulator.subscriptions() == []


@pytest.mark.parametrize(
    ("key", "config", "fragment"),
    [
        (
            "dynatrace",
            {"apiToken": "0123456789", "url": "not a url"},
            "config.url must be an absolute http(s) URL",
        ),
        (
            "dynatrace",
            {"apiToken": "0123456789", "url": "ftp://x.example"},
            "config.url must be an absolute http(s)",
        ),
        (
            "dynatrace",
            {"apiToken": "0123456789", "url": "https://"},
            "config.url must be an absolute http(s) URL",
        ),
        (
            "dynatrace",
            {"apiToken": "0123456789", "url": "https://x.io", "entity": "APP"},
            "config.entity must be one",
        ),
        ("msteams", {"url": "/relative/path"}, "config.url must be an absolute http(s) URL"),
        ("msteams", {}, "config.url is required"),
        (
            "splunk",
            {"base-url": "https://s.io", "token": "0123456789"},
            "config.skip-ca-verification is required",
        ),
        (
            "splunk",
            {"base-url": "https://s.io", "token": "0123456789", "skip-ca-verification": "false"},
            "config.skip-ca-verification must be a boolean",
        ),
        (
            "cloudtrail",
            {"ingestionChannelArn": "arn:x", "externalId": 5},
            "config.externalId must be a string",
        ),
        (
            "new-relic-apm",
            {"apiKey": "0123456789", "applicationId": "1", "domain": "x"},
            "config.domain must be one",
        ),
    ],
)
def test_invalid_config_per_manifest_is_400_naming_the_field(
    api: Api, key: str, config: dict[str, Any], fragment: str
) -> None:
    response = api.create(key, {"name": "n", "config": config})
    assert_error(response, 400, "invalid_request", fragment)


def test_all_problems_are_reported_together(api: Api) -> None:
    body = datadog_body(name="", on="yes")
    body["config"]["hideMemberDetails"] = "no"
    response = api.create(body=body)
    message = assert_error(response, 400, "invalid_request")["message"]
    for field in ("name", "on", "config.hideMemberDetails"):
        assert field in message


@pytest.mark.parametrize(
    ("key", "config"),
    [
        (
            "splunk",
            {"base-url": "https://splunk.example:8088", "token": "0123456789", "skip-ca-verification": True},
        ),
        ("jira", {"url": "https://jira.example", "secret": "0123456789"}),
        ("jira", {"url": "https://jira.example", "secret": "0123456789", "issueCreateUrl": ""}),
        ("chronosphere", {"receiverURL": "https://co.chronosphere.io/x", "secretToken": "0123456789"}),
        ("pagerduty", {"integrationKey": "abc"}),
        ("vercel-native", {"accessToken": "0123456789", "installationId": "i", "url": ""}),
        (
            "datadog",
            {"apiKey": "0123456789", "hostURL": "https://app.ddog-gov.com", "hideMemberDetails": True},
        ),
        (
            "dynatrace-v2",
            {"apiToken": "0123456789", "url": "http://localhost:8080", "entity": "VMWARE_DATACENTER"},
        ),
    ],
)
def test_valid_configs_are_accepted_verbatim(api: Api, key: str, config: dict[str, Any]) -> None:
    created = api.created(key, {"name": "ok", "config": config})
    stored = api.emulator.subscriptions(key)[0]["config"]
    assert {k: stored[k] for k in config} == config
    assert created["kind"] == key


def test_not_resources_and_not_actions_and_deny_are_accepted(api: Api) -> None:
    statements = [
        {"effect": "deny", "notActions": ["updateOn"], "notResources": ["proj/*:env/test:flag/*"]},
        {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*;tag"]},
    ]
    assert api.created(body=datadog_body(statements=statements))["statements"] == statements


def test_generated_field_is_generated_when_omitted(api: Api) -> None:
    created = api.created("cloudtrail", {"name": "ct", "config": {"ingestionChannelArn": "arn:aws:x"}})
    uuid.UUID(created["config"]["externalId"])
    assert created["config"]["accountId"] == ""


def test_generated_field_keeps_a_client_value(api: Api) -> None:
    config = {"ingestionChannelArn": "arn:aws:x", "externalId": "my-external-id"}
    created = api.created("cloudtrail", {"name": "ct", "config": config})
    assert created["config"]["externalId"] == "my-external-id"


def test_duplicate_names_are_allowed(api: Api) -> None:
    api.created()
    api.created()
    assert len(api.emulator.subscriptions()) == 2

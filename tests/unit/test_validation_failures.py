"""check_inputs: every kind of failure names the property and says what is allowed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pulumi_ld_auditsubs.rules.models import Failure, check_inputs

DATADOG: dict[str, Any] = {
    "integrationKey": "datadog",
    "name": "Production audit log to Datadog",
    "config": {"apiKey": "dd-api-key-0123456789"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
}


def _with(**changes: Any) -> dict[str, Any]:
    """DATADOG with top-level properties replaced; a value of `...` removes the property."""
    news = copy.deepcopy(DATADOG)
    for key, value in changes.items():
        if value is ...:
            news.pop(key, None)
        else:
            news[key] = value
    return news


def _config(integration: str, **config: Any) -> dict[str, Any]:
    return _with(integrationKey=integration, config=config)


def _statement(**statement: Any) -> dict[str, Any]:
    return _with(statements=[statement])


STATEMENT = {"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}

CASES = [
    # -- top level
    ("unknown-key", {**DATADOG, "foo": 1}, "foo", "Allowed properties: integrationKey, name, config"),
    ("snake-key", {**DATADOG, "integration_key": "x"}, "integration_key", "did you mean integrationKey?"),
    ("key-missing", _with(integrationKey=...), "integrationKey", "is required"),
    ("key-none", _with(integrationKey=None), "integrationKey", "one of: chronosphere, cloudtrail"),
    ("key-empty", _with(integrationKey=""), "integrationKey", "must not be empty"),
    ("key-blank", _with(integrationKey="  "), "integrationKey", "must not be empty"),
    ("key-number", _with(integrationKey=7), "integrationKey", "must be a string"),
    ("key-typo", _with(integrationKey="datdog"), "integrationKey", "did you mean datadog"),
    (
        "key-hint",
        _with(integrationKey="zzzzzz"),
        "integrationKey",
        "ld-auditsubs:allowUnknownIntegrations true",
    ),
    ("name-missing", _with(name=...), "name", "is required"),
    ("name-number", _with(name=5), "name", "must be a non-empty string"),
    ("name-empty", _with(name=""), "name", "must not be empty"),
    ("name-blank", _with(name=" \t"), "name", "must not be empty"),
    # -- config
    ("config-missing", _with(config=...), "config", "is required"),
    ("config-list", _with(config=["apiKey"]), "config", "must be an object"),
    (
        "config-required",
        _config("datadog", hostURL="https://api.datadoghq.eu"),
        "config.apiKey",
        "is required for datadog",
    ),
    ("config-required-none", _config("datadog", apiKey=None), "config.apiKey", "is required for datadog"),
    (
        "config-required-bool",
        _config("splunk", **{"base-url": "https://s:8088", "token": "t"}),
        "config.skip-ca-verification",
        "is required for splunk: a boolean (true or false)",
    ),
    (
        "config-unknown-key",
        _config("datadog", apiKey="k", url="https://x"),
        "config.url",
        "Allowed keys: apiKey, hideMemberDetails, hostURL",
    ),
    (
        "config-case",
        _config("datadog", apiKey="k", hostUrl="https://api.datadoghq.eu"),
        "config.hostUrl",
        "did you mean hostURL? Config keys are case-sensitive",
    ),
    (
        "config-snake",
        _config(
            "splunk",
            token="t",
            base_url="https://s",
            **{"base-url": "https://s", "skip-ca-verification": True},
        ),
        "config.base_url",
        "did you mean base-url?",
    ),
    (
        "config-bool-word",
        _config("datadog", apiKey="k", hideMemberDetails="yes"),
        "config.hideMemberDetails",
        "must be a boolean (true or false)",
    ),
    (
        "config-bool-number",
        _config("datadog", apiKey="k", hideMemberDetails=1),
        "config.hideMemberDetails",
        "must be a boolean (true or false); got a number",
    ),
    (
        "config-string-number",
        _config("datadog", apiKey=12345),
        "config.apiKey",
        "must be a string; got a number",
    ),
    (
        "config-string-bool",
        _config("honeycomb", apiKey="k", datasetName=True),
        "config.datasetName",
        "must be a string; got a boolean",
    ),
    (
        "config-string-float",
        _config("signalfx", accessToken="t", realm=1.0),
        "config.realm",
        "must be a string",
    ),
    ("config-required-empty", _config("datadog", apiKey=""), "config.apiKey", "must not be empty"),
    (
        "enum-value",
        _config("datadog", apiKey="k", hostURL="https://example.com"),
        "config.hostURL",
        "must be one of: https://api.datadoghq.com, https://api.datadoghq.eu",
    ),
    (
        "enum-type",
        _config("new-relic-apm", apiKey="k", applicationId="1", domain=3),
        "config.domain",
        "one of: api.newrelic.com, api.eu.newrelic.com",
    ),
    (
        "enum-dynatrace",
        _config("dynatrace", apiToken="t", url="https://x.live.dynatrace.com", entity="APP"),
        "config.entity",
        "must be one of: APPLICATION, APPLICATION_METHOD",
    ),
    (
        "uri-no-scheme",
        _config("msteams", url="outlook.office.com/webhook/x"),
        "config.url",
        "must be an absolute http(s) URL",
    ),
    ("uri-ftp", _config("msteams", url="ftp://outlook.office.com/x"), "config.url", "absolute http(s) URL"),
    ("uri-no-host", _config("msteams", url="https://"), "config.url", "absolute http(s) URL"),
    (
        "uri-relative",
        _config("grafana", apiKey="k", endpointUrl="/api/events"),
        "config.endpointUrl",
        "absolute http(s) URL",
    ),
    (
        "uri-space",
        _config("elastic", url="https://my host", token="t", index="i"),
        "config.url",
        "absolute http(s) URL",
    ),
    ("uri-empty-required", _config("msteams", url=""), "config.url", "absolute http(s) URL"),
    (
        "generated",
        _config("cloudtrail", ingestionChannelArn="arn:aws:x", externalId="mine"),
        "config.externalId",
        "is generated by LaunchDarkly; it is an output, remove it",
    ),
    # -- statements
    ("statements-missing", _with(statements=...), "statements", "at least one statement"),
    ("statements-empty", _with(statements=[]), "statements", "at least one statement"),
    ("statements-object", _with(statements=STATEMENT), "statements", "must be a list"),
    ("statement-string", _with(statements=["allow *"]), "statements[0]", "must be an object with effect"),
    (
        "statement-key",
        _statement(**STATEMENT, principal="me"),
        "statements[0].principal",
        "allowed: effect, resources, notResources, actions, notActions",
    ),
    (
        "effect-missing",
        _statement(actions=["*"], resources=["proj/*"]),
        "statements[0].effect",
        "allow or deny",
    ),
    (
        "effect-value",
        _statement(effect="permit", actions=["*"], resources=["proj/*"]),
        "statements[0].effect",
        "must be 'allow' or 'deny'",
    ),
    (
        "effect-case",
        _statement(effect="Allow", actions=["*"], resources=["proj/*"]),
        "statements[0].effect",
        "must be 'allow' or 'deny'",
    ),
    (
        "effect-second",
        _with(statements=[STATEMENT, {**STATEMENT, "effect": 1}]),
        "statements[1].effect",
        "must be 'allow' or 'deny'",
    ),
    (
        "resources-both",
        _statement(**STATEMENT, notResources=["proj/x"]),
        "statements[0]",
        "has both resources and notResources; give exactly one",
    ),
    (
        "resources-none",
        _statement(effect="allow", actions=["*"]),
        "statements[0]",
        "needs resources or notResources",
    ),
    (
        "actions-both",
        _statement(**STATEMENT, not_actions=["deleteFlag"]),
        "statements[0]",
        "has both actions and notActions; give exactly one",
    ),
    (
        "actions-none",
        _statement(effect="deny", resources=["proj/*"]),
        "statements[0]",
        "needs actions or notActions",
    ),
    (
        "actions-empty",
        _statement(effect="allow", actions=[], resources=["proj/*"]),
        "statements[0].actions",
        "is empty; give at least one action specifier",
    ),
    (
        "not-resources-empty",
        _statement(effect="allow", actions=["*"], not_resources=[]),
        "statements[0].notResources",
        "is empty; give at least one resource specifier",
    ),
    (
        "actions-string",
        _statement(effect="allow", actions="*", resources=["proj/*"]),
        "statements[0].actions",
        'must be a list of strings, such as ["*"]',
    ),
    (
        "actions-item",
        _statement(effect="allow", actions=["*", 3], resources=["proj/*"]),
        "statements[0].actions[1]",
        "must be a string",
    ),
    (
        "resources-item-empty",
        _statement(effect="allow", actions=["*"], resources=[""]),
        "statements[0].resources[0]",
        'use "proj/*:env/*:flag/*" for every flag',
    ),
    (
        "statement-twice",
        _statement(
            effect="deny",
            resources=["proj/*"],
            not_resources=None,
            notResources=None,
            not_actions=["a"],
            notActions=["b"],
        ),
        "statements[0].notActions",
        "is given twice (as not_actions and as notActions)",
    ),
    # -- on, tags, adoptId
    ("on-word", _with(on="yes"), "on", "must be a boolean (true or false)"),
    ("on-number", _with(on=1), "on", "must be a boolean (true or false); got a number"),
    ("tags-string", _with(tags="iac"), "tags", "must be a list of strings"),
    ("tags-item", _with(tags=["ok", 3]), "tags[1]", "must be a string"),
    ("tags-space", _with(tags=["ok", "x", "bad tag"]), "tags[2]", "only letters, digits, '.', '_' and '-'"),
    ("tags-long", _with(tags=["a" * 65]), "tags[0]", "1 to 64 characters"),
    ("tags-empty", _with(tags=[""]), "tags[0]", "1 to 64 characters"),
    ("tags-colon", _with(tags=["team:core"]), "tags[0]", "is not a tag LaunchDarkly accepts"),
    ("adopt-number", _with(adoptId=5), "adoptId", "a subscription id, or <integrationKey>/<subscription id>"),
    ("adopt-empty", _with(adoptId=""), "adoptId", "is not a subscription id"),
    ("adopt-slashes", _with(adoptId="a/b/c"), "adoptId", "is not a subscription id"),
    ("adopt-no-id", _with(adoptId="datadog/"), "adoptId", "is not a subscription id"),
    ("adopt-space", _with(adoptId="abc def"), "adoptId", "is not a subscription id"),
    (
        "adopt-other-key",
        _with(adoptId="splunk/65f0c0ffee0123456789abcd"),
        "adoptId",
        "names integration 'splunk' but integrationKey is 'datadog'; they must match",
    ),
]


@pytest.mark.parametrize(("news", "property_", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_failure_names_the_property_and_what_is_allowed(
    news: dict[str, Any], property_: str, phrase: str
) -> None:
    report = check_inputs(news)
    assert [f.property for f in report.failures] == [property_], report.failures
    assert phrase in report.failures[0].reason
    assert report.warnings == []


def test_every_failure_is_collected_at_once() -> None:
    news = {
        "integrationKey": "datadog",
        "name": "",
        "config": {"hostURL": "https://nowhere", "hideMemberDetails": "maybe", "extra": "x"},
        "statements": [{"effect": "allow"}, "nope"],
        "on": "sometimes",
        "tags": ["ok", "not ok"],
        "bogus": True,
    }
    report = check_inputs(news)
    assert [f.property for f in report.failures] == [
        "bogus",
        "name",
        "config.hostURL",
        "config.hideMemberDetails",
        "config.extra",
        "config.apiKey",
        "statements[0]",
        "statements[0]",
        "statements[1]",
        "on",
        "tags[1]",
    ]


def test_unknown_integration_lists_the_known_keys() -> None:
    reason = check_inputs(_with(integrationKey="datdog")).failures[0].reason
    assert "unknown integration key 'datdog'" in reason
    assert "Known keys: chronosphere, cloudtrail, datadog" in reason


def test_config_is_not_judged_when_the_integration_key_is_invalid() -> None:
    report = check_inputs(_with(integrationKey="datdog", config={"whatever": 1}))
    assert [f.property for f in report.failures] == ["integrationKey"]


def test_reasons_never_echo_a_secret_value() -> None:
    report = check_inputs(_config("datadog", apiKey=1234567890))
    assert "1234567890" not in report.failures[0].reason


def test_failures_are_frozen_values() -> None:
    failure = Failure("name", "is required")
    with pytest.raises(AttributeError):
        failure.reason = "x"  # type: ignore[misc]
    assert failure == Failure("name", "is required")

"""check_inputs: valid inputs pass untouched, and the wire form it returns is normalized."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_ld_auditsubs.rules.catalog import Catalog, load_catalog
from pulumi_ld_auditsubs.rules.models import PROVIDER_KEY, URL_FIELDS_TYPED_AS_STRING, Statement, check_inputs

ALLOW_ALL = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}


def _news(integration: str, config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "integrationKey": integration,
        "name": "audit",
        "config": config,
        "statements": [ALLOW_ALL],
        **extra,
    }


VALID = [
    ("datadog-minimal", "datadog", {"apiKey": "dd-key"}),
    (
        "datadog-full",
        "datadog",
        {"apiKey": "dd-key", "hostURL": "https://api.datadoghq.eu", "hideMemberDetails": True},
    ),
    (
        "splunk",
        "splunk",
        {"base-url": "https://splunk.example.com:8088", "token": "hec-token", "skip-ca-verification": False},
    ),
    ("msteams", "msteams", {"url": "https://example.webhook.office.com/webhookb2/abc"}),
    (
        "cloudtrail-no-external-id",
        "cloudtrail",
        {"ingestionChannelArn": "arn:aws:cloudtrail:us-east-1:1:channel/x"},
    ),
    (
        "dynatrace-enum",
        "dynatrace",
        {"apiToken": "dt0c01.x", "url": "https://abc12345.live.dynatrace.com", "entity": "HOST", "tag": "ld"},
    ),
    (
        "new-relic-eu",
        "new-relic-apm",
        {"apiKey": "k", "applicationId": "123", "domain": "api.eu.newrelic.com"},
    ),
    (
        "jira-empty-optional-uri",
        "jira",
        {"url": "https://jira.example.com", "secret": "s", "issueCreateUrl": ""},
    ),
    ("http-uri", "mattermost", {"url": "http://localhost:8065/hooks/x"}),
    (
        "chronosphere-verbatim",
        "chronosphere",
        {"receiverURL": "https://co.chronosphere.io/r", "secretToken": "s"},
    ),
]


@pytest.mark.parametrize(("integration", "config"), [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_inputs_have_no_failures(integration: str, config: dict[str, Any]) -> None:
    report = check_inputs(_news(integration, config))
    assert report.failures == []
    assert report.warnings == []
    assert report.inputs["config"] == config  # verbatim keys, no defaults filled in


def _minimal_config(integration: str) -> dict[str, Any]:
    values = {"boolean": True, "uri": "https://example.com/hook"}
    url_strings = URL_FIELDS_TYPED_AS_STRING.get(integration, frozenset())
    return {
        v.key: "https://example.com/hook"
        if v.key in url_strings
        else values.get(v.type, v.allowed_values[0] if v.allowed_values else "value")
        for v in load_catalog()[integration].form_variables
        if not v.is_optional and not v.is_generated
    }


@pytest.mark.parametrize("integration", list(load_catalog()))
def test_every_catalog_integration_accepts_its_required_fields(integration: str) -> None:
    assert check_inputs(_news(integration, _minimal_config(integration))).failures == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [("true", True), ("TRUE", True), ("True", True), ("false", False), ("False", False), (True, True)],
)
def test_boolean_strings_become_booleans(given: Any, expected: bool) -> None:
    config = {"base-url": "https://s.example.com", "token": "t", "skip-ca-verification": given}
    report = check_inputs(_news("splunk", config, on=given))
    assert report.failures == []
    assert report.inputs["on"] is expected
    assert report.inputs["config"]["skip-ca-verification"] is expected


def test_string_fields_are_not_coerced() -> None:
    report = check_inputs(_news("logdna", {"ingestionKey": "k", "level": "true"}))
    assert report.inputs["config"]["level"] == "true"


def test_defaults_for_omitted_optional_properties() -> None:
    report = check_inputs(_news("datadog", {"apiKey": "k"}))
    assert report.inputs == {
        "integrationKey": "datadog",
        "name": "audit",
        "config": {"apiKey": "k"},
        "statements": [ALLOW_ALL],
        "on": True,
        "tags": [],
    }


@pytest.mark.parametrize(("on", "expected"), [(None, True), (False, False), ("false", False)])
def test_on(on: Any, expected: bool) -> None:
    assert check_inputs(_news("datadog", {"apiKey": "k"}, on=on)).inputs["on"] is expected


def test_tags_keep_order_and_drop_exact_duplicates() -> None:
    report = check_inputs(_news("datadog", {"apiKey": "k"}, tags=["b", "a", "b", "A", "a"]))
    assert report.failures == []
    assert report.inputs["tags"] == ["b", "a", "A"]


def test_tag_alphabet_and_length_limits() -> None:
    tags = ["managed-by-pulumi", "v1.2_3", "a" * 64, "Z"]
    assert check_inputs(_news("datadog", {"apiKey": "k"}, tags=tags)).failures == []


@pytest.mark.parametrize(
    ("statement", "wire"),
    [
        (
            {"effect": "deny", "not_actions": ["deleteFlag"], "not_resources": ["proj/x"]},
            {"effect": "deny", "notResources": ["proj/x"], "notActions": ["deleteFlag"]},
        ),
        (
            {
                "actions": ["*"],
                "resources": ["proj/*"],
                "effect": "allow",
                "notActions": [],
                "notResources": None,
            },
            {"effect": "allow", "resources": ["proj/*"], "actions": ["*"]},
        ),
        (
            {"effect": "allow", "notActions": ("a", "b"), "resources": ("proj/r",)},
            {"effect": "allow", "resources": ["proj/r"], "notActions": ["a", "b"]},
        ),
        (
            Statement(effect="allow", not_actions=["a"], resources=["proj/r"], actions=None),
            {"effect": "allow", "resources": ["proj/r"], "notActions": ["a"]},
        ),
    ],
)
def test_statements_become_camel_case_wire_dicts(statement: Any, wire: dict[str, Any]) -> None:
    report = check_inputs({**_news("datadog", {"apiKey": "k"}), "statements": [statement]})
    assert report.failures == []
    assert report.inputs["statements"] == [wire]
    assert list(report.inputs["statements"][0]) == list(wire)  # key order effect, resources, ..., notActions


def test_none_config_values_mean_not_set() -> None:
    report = check_inputs(_news("datadog", {"apiKey": "k", "hostURL": None}))
    assert report.failures == []
    assert report.inputs["config"] == {"apiKey": "k"}


def test_provider_and_adopt_id_pass_through() -> None:
    pickled = "gASV...opaque"
    report = check_inputs(
        {
            **_news("datadog", {"apiKey": "k"}),
            PROVIDER_KEY: pickled,
            "adoptId": "datadog/65f0c0ffee0123456789abcd",
        }
    )
    assert report.failures == []
    assert report.inputs[PROVIDER_KEY] is pickled
    assert report.inputs["adoptId"] == "datadog/65f0c0ffee0123456789abcd"


@pytest.mark.parametrize("adopt_id", ["65f0c0ffee0123456789abcd", "datadog/65f0c0ffee0123456789abcd"])
def test_adopt_id_forms(adopt_id: str) -> None:
    assert check_inputs(_news("datadog", {"apiKey": "k"}, adoptId=adopt_id)).failures == []


def test_inputs_do_not_alias_the_given_values() -> None:
    news = _news("datadog", {"apiKey": "k"}, tags=["a"])
    report = check_inputs(news)
    report.inputs["config"]["apiKey"] = "changed"
    report.inputs["tags"].append("b")
    assert news["config"] == {"apiKey": "k"}
    assert news["tags"] == ["a"]


def test_allow_unknown_integrations_turns_the_failure_into_a_warning() -> None:
    config = {"anything": 1, "Goes": [True]}
    report = check_inputs(_news("brand-new-tool", config), allow_unknown_integrations=True)
    assert report.failures == []
    assert len(report.warnings) == 1
    assert "'brand-new-tool' is not in this provider's catalog" in report.warnings[0]
    assert "left to LaunchDarkly" in report.warnings[0]
    assert report.inputs["config"] == config


def test_allow_unknown_integrations_still_validates_known_ones() -> None:
    report = check_inputs(_news("datadog", {}), allow_unknown_integrations=True)
    assert [f.property for f in report.failures] == ["config.apiKey"]
    assert report.warnings == []


def test_a_custom_catalog_replaces_the_bundled_one() -> None:
    catalog = Catalog.from_json(
        {"integrations": {"tiny": {"name": "Tiny", "formVariables": [{"key": "x-y", "type": "string"}]}}}
    )
    assert check_inputs(_news("tiny", {"x-y": "v"}), catalog=catalog).failures == []
    empty = check_inputs(_news("datadog", {"apiKey": "k"}), catalog=Catalog({}))
    assert [f.property for f in empty.failures] == ["integrationKey"]

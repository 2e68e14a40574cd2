"""Statement and Subscription models, and the two documents the diff compares."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.models import (
    Statement,
    Subscription,
    check_inputs,
    desired_document,
    document_from_api,
    normalize_tags,
)
from pulumi_ld_auditsubs.rules.patch import subscription_patch
from pulumi_ld_auditsubs.rules.ref import split_ref

API_BODY: dict[str, Any] = {
    "_id": "65f0c0ffee0123456789abcd",
    "kind": "datadog",
    "name": "dd",
    "on": True,
    "tags": ["iac"],
    "config": {"apiKey": "abc******456", "hideMemberDetails": True, "hostURL": "https://api.datadoghq.com"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
    "_links": {"self": {"href": "/api/v2/integrations/datadog/65f0c0ffee0123456789abcd"}},
    "_access": {"allowed": [], "denied": []},
    "_status": {"successCount": 0, "errorCount": 0},
}


# -- Statement ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "wire"),
    [
        (
            Statement(effect="allow", actions=["*"], resources=["proj/*"]),
            {"effect": "allow", "resources": ["proj/*"], "actions": ["*"]},
        ),
        (
            Statement(effect="deny", not_actions=["deleteFlag"], not_resources=["proj/x"], actions=[]),
            {"effect": "deny", "notResources": ["proj/x"], "notActions": ["deleteFlag"]},
        ),
        (
            Statement.model_validate({"effect": "allow", "notActions": ["a"], "resources": ["r"]}),
            {"effect": "allow", "resources": ["r"], "notActions": ["a"]},
        ),
        (Statement(effect="allow"), {"effect": "allow"}),
    ],
)
def test_statement_to_wire(statement: Statement, wire: dict[str, Any]) -> None:
    assert statement.to_wire() == wire
    assert list(statement.to_wire()) == list(wire)


@pytest.mark.parametrize("raw", [{"effect": "allow", "principal": "me"}, {"actions": ["*"]}])
def test_statement_rejects_unknown_keys_and_a_missing_effect(raw: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        Statement.model_validate(raw)


@pytest.mark.parametrize(
    ("raw", "failure"),
    [
        ({"effect": "permit", "actions": ["*"], "resources": ["proj/*"]}, "statements[0].effect"),
        ({"effect": "allow", "actions": "*", "resources": ["proj/*"]}, "statements[0].actions"),
    ],
)
def test_statement_values_are_judged_by_the_check(raw: dict[str, Any], failure: str) -> None:
    """A program's Statement may hold Outputs, so the check, with its property paths, judges values."""
    statement = Statement.model_validate(raw)
    news = {"integrationKey": "datadog", "name": "n", "config": {"apiKey": "k"}, "statements": [statement]}
    assert [f.property for f in check_inputs(news).failures] == [failure]


def test_statement_takes_either_spelling_and_positional_arguments() -> None:
    assert Statement("allow", ["*"], None, ["proj/*"]) == Statement(
        effect="allow", actions=["*"], resources=["proj/*"]
    )
    assert Statement.model_validate({"effect": "deny", "notActions": ["a"], "not_resources": ["r"]}) == (
        Statement(effect="deny", not_actions=["a"], not_resources=["r"])
    )
    with pytest.raises(TypeError):
        Statement("allow", effect="deny")  # type: ignore[misc]


# -- Subscription and document_from_api -----------------------------------------------------------


def test_subscription_reads_the_api_body_and_keeps_the_rest_aside() -> None:
    sub = Subscription.model_validate(API_BODY)
    assert sub.id == "65f0c0ffee0123456789abcd"
    assert sub.kind == "datadog"
    assert sub.status == {"successCount": 0, "errorCount": 0}
    assert sub.links["self"]["href"].endswith(sub.id)
    assert "_access" not in Subscription.model_fields and "_access" in (sub.model_extra or {})


def test_subscription_tolerates_missing_and_null_collections() -> None:
    body = {"_id": "x", "kind": "msteams", "name": "n", "config": None, "tags": None, "statements": None}
    sub = Subscription.model_validate(body)
    assert (sub.config, sub.tags, sub.statements, sub.on, sub.status) == ({}, [], [], False, None)


def test_subscription_by_field_name() -> None:
    sub = Subscription.model_validate({"id": "x", "kind": "k", "name": "n", "config": {}, "status": {"a": 1}})
    assert (sub.id, sub.status) == ("x", {"a": 1})


def test_document_from_api() -> None:
    body = {
        **API_BODY,
        "statements": [{"effect": "deny", "notActions": ["a"], "resources": ["r"], "actions": []}],
    }
    expected = {
        "name": "dd",
        "config": API_BODY["config"],
        "on": True,
        "tags": ["iac"],
        "statements": [{"effect": "deny", "resources": ["r"], "notActions": ["a"]}],
    }
    assert document_from_api(body) == expected
    assert document_from_api(Subscription.model_validate(body)) == expected


def test_document_from_api_copies_config() -> None:
    sub = Subscription.model_validate({**API_BODY, "config": {"nested": {"a": 1}}})
    document_from_api(sub)["config"]["nested"]["a"] = 2
    assert sub.config == {"nested": {"a": 1}}


# -- desired_document -----------------------------------------------------------------------------


def _inputs(integration: str, config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    news = {
        "integrationKey": integration,
        "name": "audit",
        "config": config,
        "statements": [{"effect": "allow", "actions": ["*"], "not_resources": ["proj/x"]}],
        **extra,
    }
    report = check_inputs(news)
    assert report.failures == []
    return report.inputs


def test_desired_document_fills_defaults() -> None:
    catalog = load_catalog()
    document = desired_document(_inputs("datadog", {"apiKey": "k"}, tags=["b", "a"]), catalog["datadog"])
    assert document == {
        "name": "audit",
        "config": {"apiKey": "k", "hideMemberDetails": False, "hostURL": "https://api.datadoghq.com"},
        "on": True,
        "tags": ["b", "a"],
        "statements": [{"effect": "allow", "notResources": ["proj/x"], "actions": ["*"]}],
    }


def test_desired_document_keeps_the_users_values_over_defaults() -> None:
    inputs = _inputs("datadog", {"apiKey": "k", "hostURL": "https://api.datadoghq.eu"}, on=False)
    document = desired_document(inputs, load_catalog()["datadog"])
    assert document["config"]["hostURL"] == "https://api.datadoghq.eu"
    assert document["on"] is False


def test_desired_document_drops_generated_fields() -> None:
    inputs = {
        "name": "ct",
        "config": {"ingestionChannelArn": "arn", "externalId": "ld-made"},
        "statements": [],
    }
    document = desired_document(inputs, load_catalog()["cloudtrail"])
    assert document["config"] == {"ingestionChannelArn": "arn", "accountId": ""}


def test_desired_document_for_an_unknown_integration_takes_config_as_is() -> None:
    config = {"anything": 1, "Goes": [True]}
    document = desired_document({"name": "n", "config": config, "statements": []}, None)
    assert document == {"name": "n", "config": config, "on": True, "tags": [], "statements": []}


def test_no_patch_after_create_when_the_api_fills_defaults() -> None:
    """What LaunchDarkly returns after a create with omitted optional fields is not drift."""
    integration = load_catalog()["dynatrace"]
    inputs = _inputs(
        "dynatrace", {"apiToken": "t", "url": "https://x.live.dynatrace.com"}, tags=["b", "a", "b"]
    )
    wanted = desired_document(inputs, integration)
    body = {
        "_id": "1",
        "kind": "dynatrace",
        "name": "audit",
        "on": True,
        "tags": ["a", "b"],
        "config": {
            "apiToken": "t",
            "url": "https://x.live.dynatrace.com",
            "entity": "APPLICATION",
            "tag": "",
        },
        "statements": [{"effect": "allow", "notResources": ["proj/x"], "actions": ["*"]}],
    }
    assert subscription_patch(document_from_api(body), wanted) == []


# -- helpers --------------------------------------------------------------------------------------


def test_normalize_tags() -> None:
    assert normalize_tags(["b", "a", "b"]) == ["b", "a"]
    assert normalize_tags(None) == []


@pytest.mark.parametrize(
    ("adopt_id", "parts"),
    [
        ("abc", (None, "abc")),
        ("datadog/abc", ("datadog", "abc")),
        ("dynatrace-v2/abc", ("dynatrace-v2", "abc")),
    ],
)
def test_split_ref(adopt_id: str, parts: tuple[str | None, str]) -> None:
    assert split_ref(adopt_id) == parts

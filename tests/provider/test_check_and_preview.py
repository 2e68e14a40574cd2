"""Check and Diff as the engine calls them during `pulumi preview`: validation, unknowns, no requests."""

from __future__ import annotations

from typing import Any

import pytest
from provider_harness import UNKNOWN, EngineDrivenProvider, calls, datadog
from pulumi.runtime.proto import provider_pb2 as pb

from pulumi_ld_auditsubs.testing import Emulator


@pytest.mark.parametrize(
    ("props", "prop", "phrase"),
    [
        (datadog(integrationKey="datdog"), "integrationKey", "datadog"),
        (datadog(config={"hostURL": "https://api.datadoghq.com"}), "config.apiKey", "required"),
        (datadog(config={"apiKey": "k-1234567", "hostUrl": "x"}), "config.hostUrl", "hostURL"),
        (
            datadog(config={"apiKey": "k-1234567", "hostURL": "https://evil.example.com"}),
            "config.hostURL",
            "https://api.datadoghq.eu",
        ),
        (
            datadog(config={"apiKey": "k-1234567", "hideMemberDetails": "maybe"}),
            "config.hideMemberDetails",
            "bool",
        ),
        (datadog(name="  "), "name", "empty"),
        (datadog(statements=[]), "statements", "at least one"),
        (
            datadog(statements=[{"effect": "permit", "actions": ["*"], "resources": ["proj/*"]}]),
            "statements[0].effect",
            "allow",
        ),
        (datadog(statements=[{"effect": "allow", "actions": ["*"]}]), "statements[0]", "resources"),
        (
            datadog(statements=[{"effect": "allow", "actions": [], "resources": ["proj/*"]}]),
            "statements[0].actions",
            "empty",
        ),
        (datadog(tags=["ok", "not ok!"]), "tags[1]", "letters, digits"),
        (
            {
                "integrationKey": "msteams",
                "name": "t",
                "config": {"url": "not-a-url"},
                "statements": datadog()["statements"],
            },
            "config.url",
            "absolute",
        ),
        (
            {
                "integrationKey": "cloudtrail",
                "name": "t",
                "config": {"ingestionChannelArn": "arn:x", "externalId": "mine"},
                "statements": datadog()["statements"],
            },
            "config.externalId",
            "output",
        ),
    ],
    ids=[
        "unknown-integration",
        "missing-required",
        "unknown-key",
        "enum",
        "bool",
        "empty-name",
        "no-statements",
        "bad-effect",
        "no-resources",
        "empty-list",
        "bad-tag",
        "bad-uri",
        "generated",
    ],
)
def test_bad_input_fails_check_naming_the_property_and_sends_nothing(
    engine: EngineDrivenProvider, emulator: Emulator, props: dict[str, Any], prop: str, phrase: str
) -> None:
    _, failures = engine.check(props)
    assert any(p == prop and phrase in reason for p, reason in failures), failures
    assert calls(emulator) == []


def test_secret_values_never_appear_in_check_failures(engine: EngineDrivenProvider) -> None:
    _, failures = engine.check(datadog(config={"apiKey": 1234567.0}))
    assert failures and "1234567" not in str(failures)


def test_string_booleans_from_stack_config_normalize(engine: EngineDrivenProvider) -> None:
    inputs = engine.checked(datadog(on="false", config={"apiKey": "k-1234567", "hideMemberDetails": "TRUE"}))
    assert inputs["on"] is False
    assert inputs["config"]["hideMemberDetails"] is True


def test_preview_with_unknown_values_is_not_judged(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    news = datadog(
        name=UNKNOWN, config={"apiKey": UNKNOWN, "hostURL": "https://api.datadoghq.eu"}, tags=[UNKNOWN]
    )
    inputs, failures = engine.check(news)
    assert failures == []
    created = engine.create(engine.checked(datadog()))
    emulator.clear_requests()

    diff = engine.diff(created.id, created.outputs, inputs)

    assert diff.changes == pb.DiffResponse.DIFF_SOME  # may change
    assert list(diff.replaces) == []
    assert calls(emulator) == []


def test_unknown_integration_key_may_replace(engine: EngineDrivenProvider) -> None:
    created = engine.create(engine.checked(datadog()))
    inputs, failures = engine.check(datadog(integrationKey=UNKNOWN))
    assert failures == []
    assert list(engine.diff(created.id, created.outputs, inputs).replaces) == ["integrationKey"]


def test_unknown_integrations_can_be_allowed_by_stack_config(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {
            "launchdarkly:accessToken": "unused",
            "launchdarkly:apiHost": emulator.url,
            "ld-auditsubs:allowUnknownIntegrations": "true",
        }
    )
    try:
        inputs, failures = provider.check(
            datadog(integrationKey="brand-new-tool", config={"anything": "goes"})
        )
    finally:
        stderr = provider.close()
    assert failures == []
    assert inputs["config"] == {"anything": "goes"}
    assert "brand-new-tool" in stderr  # the warning names the key

"""The resource class as a program uses it, under Pulumi's mocks: props, secrets, names, type token."""

from __future__ import annotations

import sys
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from pulumi_ld_auditsubs import AuditLogSubscription, Statement


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []
        self.monitor: RecordingMonitor | None = None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        return f"{inputs.get('integrationKey')}/0123456789abcdef01234567", {
            **inputs,
            "subscriptionId": "0123456789abcdef01234567",
            "status": {"successCount": 0},
        }

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """Keeps each RegisterResource request, to see the options the mocks' arguments leave out."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().RegisterResource(request)


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    recording.monitor = RecordingMonitor(recording)
    pulumi.runtime.set_mocks(
        recording, project="ldtest", stack="dev", preview=False, monitor=recording.monitor
    )
    return recording


@pulumi.runtime.test
def test_props_secrets_and_type_token(mocks: RecordingMocks) -> Any:
    sub = AuditLogSubscription(
        "datadog-prod",
        integration_key="datadog",
        name="Production audit log to Datadog",
        config={"apiKey": "plain-string-key-123", "hostURL": "https://api.datadoghq.eu"},
        statements=[
            Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"]),
            {"effect": "deny", "not_actions": ["updateOn"], "resources": ["proj/*"]},
            {"effect": "deny", "notActions": ["createFlag"], "notResources": ["proj/x"]},
        ],
    )

    def verify(args: list[Any]) -> None:
        subscription_id, config, status, on, tags = args
        registered = mocks.registered[0]
        assert registered.typ == "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"
        inputs = registered.inputs
        # The SDK lifts a secret value's secretness to its containing dict, so the whole config is
        # encrypted in state although the program passed the API key as a plain string.
        assert rpc.is_rpc_secret(inputs["config"])
        assert rpc.unwrap_rpc_secret(inputs["config"]) == {
            "apiKey": "plain-string-key-123",
            "hostURL": "https://api.datadoghq.eu",
        }
        assert inputs["statements"] == [
            {"effect": "allow", "resources": ["proj/*:env/production:flag/*"], "actions": ["*"]},
            {"effect": "deny", "notActions": ["updateOn"], "resources": ["proj/*"]},
            {"effect": "deny", "notActions": ["createFlag"], "notResources": ["proj/x"]},
        ]
        assert inputs["on"] is True and inputs["tags"] == []
        assert "adoptId" not in inputs
        assert subscription_id == "0123456789abcdef01234567"
        assert status == {"successCount": 0}
        assert config["apiKey"] == "plain-string-key-123"
        assert on is True and tags == []

    return pulumi.Output.all(sub.subscription_id, sub.config, sub.status, sub.on, sub.tags).apply(verify)


@pulumi.runtime.test
def test_config_output_is_secret(mocks: RecordingMocks) -> Any:
    sub = AuditLogSubscription(
        "teams",
        integration_key="msteams",
        name="Teams",
        config={"url": "https://example.webhook.office.com/webhookb2/abc"},
        statements=[Statement(effect="allow", actions=["*"], resources=["proj/*"])],
        on=False,
        tags=["t1"],
    )

    async def check() -> None:
        assert mocks.monitor is not None
        request = next(r for r in mocks.monitor.requests if r.type.endswith("AuditLogSubscription"))
        assert list(request.additionalSecretOutputs) == ["config"]  # the engine encrypts the config output
        assert not await sub.name.is_secret()
        registered = mocks.registered[0]
        assert "config" in registered.inputs
        assert registered.inputs["on"] is False and registered.inputs["tags"] == ["t1"]

    return sub.id.apply(lambda _: check())


@pulumi.runtime.test
def test_config_of_integration_outside_catalog_is_secret(mocks: RecordingMocks) -> Any:
    """The provider cannot know which fields of an unknown integration are credentials: all are secret."""
    sub = AuditLogSubscription(
        "future",
        integration_key="some-future-tool",
        name="Future tool",
        config={"endpoint": "https://future.example.com/hook/abc", "region": "eu"},
        statements=[Statement(effect="allow", actions=["*"], resources=["proj/*"])],
    )

    def verify(_: Any) -> None:
        inputs = mocks.registered[0].inputs
        assert rpc.is_rpc_secret(inputs["config"])
        assert rpc.unwrap_rpc_secret(inputs["config"]) == {
            "endpoint": "https://future.example.com/hook/abc",
            "region": "eu",
        }

    return sub.id.apply(verify)


@pulumi.runtime.test
def test_config_without_credentials_stays_plain(mocks: RecordingMocks) -> Any:
    """Only secret fields and credential URLs are wrapped: a CloudTrail channel ARN is not."""
    sub = AuditLogSubscription(
        "cloudtrail",
        integration_key="cloudtrail",
        name="CloudTrail",
        config={"ingestionChannelArn": "arn:aws:cloudtrail:eu-west-1:123456789012:channel/abc"},
        statements=[Statement(effect="allow", actions=["*"], resources=["proj/*"])],
    )

    def verify(_: Any) -> None:
        inputs = mocks.registered[0].inputs
        assert not rpc.is_rpc_secret(inputs["config"])

    return sub.id.apply(verify)


@pulumi.runtime.test
def test_a_program_declares_more_subscriptions_than_the_recursion_limit(mocks: RecordingMocks) -> Any:
    """The SDK's provider serializer nests one wrapper per dynamic resource (pulumi/pulumi#17803):
    without the undo in the resource class, the ~990th subscription raised RecursionError."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # the same failure as at the default 1000, with fewer resources
    try:
        count = 600
        subs = [
            AuditLogSubscription(
                f"bulk-{index}",
                integration_key="datadog",
                name=f"Bulk {index}",
                config={"apiKey": "dd-api-key-1234567890"},
                statements=[Statement(effect="allow", actions=["*"], resources=["proj/*"])],
            )
            for index in range(count)
        ]
    finally:
        sys.setrecursionlimit(limit)

    def check(ids: list[str]) -> None:
        assert len(ids) == count
        providers = {repr(args.inputs["__provider"]) for args in mocks.registered}
        assert len(providers) == 1  # every resource carries the same (deterministic) provider blob

    return pulumi.Output.all(*[sub.id for sub in subs]).apply(check)

"""What each example stack declares, and helpers that act on the emulator out of band.

Shared by ``test_examples.py`` (local engine) and ``test_real_cli.py`` (Pulumi CLI), so both check
the same expectations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TYPE = "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"
TOKEN = "api-programs-e2e-6b0f2c9d"
"""The only token the tests' emulators accept; throwaway, and never allowed in state or output."""
DATADOG_API_KEY = "dd-programs-e2e-0c7a41f9e3b2"
SPLUNK_TOKEN = "splunk-programs-e2e-5e81d07a"
SECRET_VALUES = (TOKEN, DATADOG_API_KEY, SPLUNK_TOKEN)
PASSPHRASE = "programs-e2e-passphrase"
HAND_MADE_NAME = "Made by hand in the UI"


@dataclass(frozen=True)
class Change:
    """A stack config change and the single-operation JSON Patch it must cause."""

    key: str
    value: str
    resource: str
    """The Pulumi resource name whose subscription gets the PATCH."""
    path: str
    patch_value: Any


@dataclass(frozen=True)
class StackCase:
    """One stack of one example and what ``up`` must create for it."""

    example: str
    stack: str
    resources: dict[str, str]
    """Pulumi resource name -> integration key."""
    on: bool
    environment: str
    """The LaunchDarkly environment key in every statement's resource specifier."""
    tags: frozenset[str]
    change: Change
    secrets: dict[str, str] = field(default_factory=dict)
    """Program config keys set with ``--secret`` (values are throwaway)."""
    stored_secrets: tuple[tuple[str, str, str], ...] = ()
    """(resource name, config field, program config key): secrets LaunchDarkly must store verbatim."""
    adopt: bool = False
    """The example adopts a hand-made subscription named by ``existingSubscriptionId``."""

    @property
    def id(self) -> str:
        return f"{self.example}-{self.stack}"

    @property
    def program_dir(self) -> Path:
        return EXAMPLES / self.example


CASES = [
    StackCase(
        example="quickstart",
        stack="dev",
        resources={"datadog": "datadog", "teams": "msteams"},
        on=True,
        environment="production",
        tags=frozenset({"managed-by-pulumi", "quickstart"}),
        secrets={"datadogApiKey": DATADOG_API_KEY},
        stored_secrets=(("datadog", "apiKey", "datadogApiKey"),),
        change=Change(
            "datadogSite",
            "https://us5.datadoghq.com",
            "datadog",
            "/config/hostURL",
            "https://us5.datadoghq.com",
        ),
    ),
    StackCase(
        example="multi-environment",
        stack="dev",
        resources={"slack": "slack"},
        on=False,
        environment="development",
        tags=frozenset({"managed-by-pulumi", "stack-dev"}),
        change=Change("subscriptionsOn", "true", "slack", "/on", True),
    ),
    StackCase(
        example="multi-environment",
        stack="staging",
        resources={"msteams": "msteams", "datadog": "datadog"},
        on=True,
        environment="staging",
        tags=frozenset({"managed-by-pulumi", "stack-staging"}),
        secrets={"datadogApiKey": DATADOG_API_KEY},
        stored_secrets=(("datadog", "apiKey", "datadogApiKey"),),
        change=Change(
            "teamsWebhookUrl",
            "https://example.webhook.office.com/webhookb2/staging-releases-v2",
            "msteams",
            "/config/url",
            "https://example.webhook.office.com/webhookb2/staging-releases-v2",
        ),
    ),
    StackCase(
        example="multi-environment",
        stack="prod",
        resources={"datadog": "datadog", "splunk": "splunk"},
        on=True,
        environment="production",
        tags=frozenset({"managed-by-pulumi", "stack-prod"}),
        secrets={"datadogApiKey": DATADOG_API_KEY, "splunkToken": SPLUNK_TOKEN},
        stored_secrets=(("datadog", "apiKey", "datadogApiKey"), ("splunk", "token", "splunkToken")),
        change=Change(
            "splunkUrl",
            "https://splunk-eu.example.com:8088",
            "splunk",
            "/config/base-url",
            "https://splunk-eu.example.com:8088",
        ),
    ),
    StackCase(
        example="adopt-existing",
        stack="dev",
        resources={"ops-channel": "msteams"},
        on=True,
        environment="production",
        tags=frozenset({"managed-by-pulumi", "adopted"}),
        adopt=True,
        change=Change(
            "teamsWebhookUrl",
            "https://example.webhook.office.com/webhookb2/ops-channel-v2",
            "ops-channel",
            "/config/url",
            "https://example.webhook.office.com/webhookb2/ops-channel-v2",
        ),
    ),
]


def api(base_url: str, method: str, path: str, body: Any = None) -> requests.Response:
    """One request straight to the emulator, as someone using LaunchDarkly's UI or API would."""
    response = requests.request(
        method,
        f"{base_url}/api/v2/integrations/{path}",
        json=body,
        headers={"Authorization": TOKEN, "LD-API-Version": "20240415"},
        timeout=10,
    )
    response.raise_for_status()
    return response


def create_by_hand(base_url: str) -> str:
    """A Teams subscription made outside Pulumi (as in the UI); returns its ``_id``."""
    created = api(
        base_url,
        "POST",
        "msteams",
        {
            "name": HAND_MADE_NAME,
            "config": {"url": "https://example.webhook.office.com/webhookb2/made-by-hand"},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]}],
            "on": False,
            "tags": ["ui"],
        },
    )
    return str(created.json()["_id"])


def rename_out_of_band(base_url: str, integration_key: str, subscription_id: str, name: str) -> None:
    """Rename a subscription behind Pulumi's back."""
    api(
        base_url,
        "PATCH",
        f"{integration_key}/{subscription_id}",
        [{"op": "replace", "path": "/name", "value": name}],
    )


def assert_declared(case: StackCase, subscriptions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Check the emulator holds exactly what ``case`` declares; returns them by resource name."""
    assert sorted(s["kind"] for s in subscriptions) == sorted(case.resources.values())
    by_kind = {s["kind"]: s for s in subscriptions}
    specifier = f"proj/*:env/{case.environment}:flag/*"
    for subscription in subscriptions:
        assert subscription["on"] is case.on, subscription
        assert set(subscription["tags"]) == case.tags, subscription
        assert subscription["statements"], subscription
        for statement in subscription["statements"]:
            assert statement["resources"] == [specifier], subscription
    return {name: by_kind[kind] for name, kind in case.resources.items()}


def files_leaking(directory: Path, values: tuple[str, ...] = SECRET_VALUES) -> list[str]:
    """``file: value`` for every file under ``directory`` that holds one of ``values`` in plain text."""
    leaks = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [f"{path}: {value}" for value in values if value.encode() in data]
    return leaks

"""What the README shows: a program's own unit test proving audit coverage with Pulumi's mocks.

The program below declares its streams as any user program would; the tests assert, without an
account or a network, that every production flag change reaches at least one enabled stream, and
that a stream switched off or narrowed by a deny does not count.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from pulumi_ld_auditsubs import AuditLogSubscription, Statement
from pulumi_ld_auditsubs.rules.coverage import matches


class Mocks(pulumi.runtime.Mocks):
    """Every resource is created with its inputs as its outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture(autouse=True)
def mocks() -> None:
    pulumi.runtime.set_mocks(Mocks(), project="audit", stack="prod", preview=False)


def program(siem_on: bool = True) -> list[AuditLogSubscription]:
    """A user's program: a SIEM stream for production flags, a chat stream for one project."""
    return [
        AuditLogSubscription(
            "siem",
            integration_key="splunk",
            name="Production flags to Splunk",
            config={"base-url": "https://splunk.example.com", "token": "splunk-token-0123456789"},
            statements=[
                Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"]),
                {"effect": "deny", "actions": ["*"], "resources": ["proj/sandbox:env/*:flag/*"]},
            ],
            on=siem_on,
        ),
        AuditLogSubscription(
            "chat",
            integration_key="slack",
            name="Web flag toggles to Slack",
            config={"url": "https://hooks.slack.com/services/T000/B000/XXXX"},
            statements=[{"effect": "allow", "actions": ["updateOn"], "resources": ["proj/web:env/*:flag/*"]}],
        ),
    ]


def receivers(streams: list[AuditLogSubscription], resource: str, action: str) -> pulumi.Output[list[str]]:
    """The names of the enabled streams that receive ``action`` on ``resource``."""
    pairs = [pulumi.Output.all(s.name, s.on, s.statements) for s in streams]
    return pulumi.Output.all(*pairs).apply(
        lambda rows: [name for name, on, statements in rows if on and matches(statements, resource, action)]
    )


PRODUCTION_FLAG_CHANGES = [
    ("proj/web:env/production:flag/checkout", "updateOn"),
    ("proj/web:env/production:flag/checkout;beta", "updateRules"),
    ("proj/mobile:env/production:flag/new-onboarding", "deleteFlag"),
]


@pulumi.runtime.test
def test_every_production_flag_change_reaches_an_enabled_stream() -> Any:
    streams = program()

    def check(answers: list[list[str]]) -> None:
        for (resource, action), names in zip(PRODUCTION_FLAG_CHANGES, answers, strict=True):
            assert names, f"{action} on {resource} reaches no enabled stream"

    return pulumi.Output.all(*[receivers(streams, r, a) for r, a in PRODUCTION_FLAG_CHANGES]).apply(check)


@pulumi.runtime.test
def test_who_receives_what() -> Any:
    streams = program()
    expected = {
        ("proj/web:env/production:flag/checkout", "updateOn"): [
            "Production flags to Splunk",
            "Web flag toggles to Slack",
        ],
        ("proj/web:env/staging:flag/checkout", "updateRules"): [],
        ("proj/sandbox:env/production:flag/demo", "updateOn"): [],
        ("proj/web:env/production", "updateApiKey"): [],
    }

    def check(answers: list[list[str]]) -> None:
        assert dict(zip(expected, answers, strict=True)) == expected

    return pulumi.Output.all(*[receivers(streams, r, a) for r, a in expected]).apply(check)


@pulumi.runtime.test
def test_a_stream_switched_off_is_a_gap() -> Any:
    streams = program(siem_on=False)

    def check(names: list[str]) -> None:
        assert names == []

    return receivers(streams, "proj/mobile:env/production:flag/new-onboarding", "deleteFlag").apply(check)

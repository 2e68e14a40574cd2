"""One program for every stage: each stack picks its integrations, LaunchDarkly environment and switches.

Stack config (see Pulumi.<stack>.yaml):
  ldEnvironment     the LaunchDarkly environment key whose flag changes are streamed
  integrations      JSON list of the integrations this stack sends its audit log to
  subscriptionsOn   whether the subscriptions send events (dev keeps them off)
  ...               each integration's own settings (webhook URLs, secrets)

Each config is built with its integration's TypedDict, so mypy checks the keys. ``datadogSite`` is a
stack value for a field whose allowed values are a Literal: ``DatadogHostURLValue(...)`` passes it
without a cast, and the provider refuses a site Datadog does not have at preview.
"""

from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement
from pulumi_ld_auditsubs.config_types import (
    DatadogConfig,
    DatadogHostURLValue,
    MsteamsConfig,
    SlackConfig,
    SplunkConfig,
)

config = pulumi.Config()
stack = pulumi.get_stack()
environment = config.require("ldEnvironment")
enabled = config.get_bool("subscriptionsOn")
on = True if enabled is None else enabled
tags = ["managed-by-pulumi", f"stack-{stack}"]
flag_changes = [Statement(effect="allow", actions=["*"], resources=[f"proj/*:env/{environment}:flag/*"])]


def subscribe(integration_key: str, destination: str, settings: Mapping[str, Any]) -> AuditLogSubscription:
    """One subscription of this stack: the stack's environment, switch and tags, the tool's settings."""
    return AuditLogSubscription(
        integration_key,
        integration_key=integration_key,
        name=f"{environment} audit log to {destination}",
        config=settings,
        statements=flag_changes,
        on=on,
        tags=tags,
    )


# Each integration's settings are read only when the stack chooses it.
BUILDERS: dict[str, Callable[[], AuditLogSubscription]] = {
    "slack": lambda: subscribe("slack", "Slack", SlackConfig(url=config.require("slackWebhookUrl"))),
    "msteams": lambda: subscribe("msteams", "Teams", MsteamsConfig(url=config.require("teamsWebhookUrl"))),
    "datadog": lambda: subscribe(
        "datadog",
        "Datadog",
        DatadogConfig(
            apiKey=config.require_secret("datadogApiKey"),
            hostURL=DatadogHostURLValue(config.require("datadogSite")),
        ),
    ),
    "splunk": lambda: subscribe(
        "splunk",
        "Splunk",
        SplunkConfig(
            {
                "base-url": config.require("splunkUrl"),
                "token": config.require_secret("splunkToken"),
                "skip-ca-verification": False,
            }
        ),
    ),
}

chosen = config.require_object("integrations")
unknown = sorted(set(chosen) - set(BUILDERS))
if unknown:
    raise ValueError(f"config `integrations` names {unknown}; this program knows {sorted(BUILDERS)}")

subscriptions = {key: BUILDERS[key]() for key in chosen}
pulumi.export("environment", environment)
pulumi.export("subscriptionIds", {key: sub.subscription_id for key, sub in subscriptions.items()})

"""One program for every stage: each stack picks its integrations, LaunchDarkly environment and switches.

Stack config (see Pulumi.<stack>.yaml):
  ldEnvironment     the LaunchDarkly environment key whose flag changes are streamed
  integrations      JSON list of the integrations this stack sends its audit log to
  subscriptionsOn   whether the subscriptions send events (dev keeps them off)
  ...               each integration's own settings (webhook URLs, secrets)
"""

from collections.abc import Callable

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement

config = pulumi.Config()
stack = pulumi.get_stack()
environment = config.require("ldEnvironment")
enabled = config.get_bool("subscriptionsOn")
on = True if enabled is None else enabled
tags = ["managed-by-pulumi", f"stack-{stack}"]
flag_changes = [Statement(effect="allow", actions=["*"], resources=[f"proj/*:env/{environment}:flag/*"])]


def slack() -> AuditLogSubscription:
    return AuditLogSubscription(
        "slack",
        integration_key="slack",
        name=f"{environment} flag changes to Slack",
        config={"url": config.require("slackWebhookUrl")},
        statements=flag_changes,
        on=on,
        tags=tags,
    )


def msteams() -> AuditLogSubscription:
    return AuditLogSubscription(
        "msteams",
        integration_key="msteams",
        name=f"{environment} flag changes to Teams",
        config={"url": config.require("teamsWebhookUrl")},
        statements=flag_changes,
        on=on,
        tags=tags,
    )


def datadog() -> AuditLogSubscription:
    return AuditLogSubscription(
        "datadog",
        integration_key="datadog",
        name=f"{environment} audit log to Datadog",
        config={"apiKey": config.require_secret("datadogApiKey"), "hostURL": config.require("datadogSite")},
        statements=flag_changes,
        on=on,
        tags=tags,
    )


def splunk() -> AuditLogSubscription:
    return AuditLogSubscription(
        "splunk",
        integration_key="splunk",
        name=f"{environment} audit log to Splunk",
        config={
            "base-url": config.require("splunkUrl"),
            "token": config.require_secret("splunkToken"),
            "skip-ca-verification": False,
        },
        statements=flag_changes,
        on=on,
        tags=tags,
    )


BUILDERS: dict[str, Callable[[], AuditLogSubscription]] = {
    "slack": slack,
    "msteams": msteams,
    "datadog": datadog,
    "splunk": splunk,
}

chosen = config.require_object("integrations")
unknown = sorted(set(chosen) - set(BUILDERS))
if unknown:
    raise ValueError(f"config `integrations` names {unknown}; this program knows {sorted(BUILDERS)}")

subscriptions = {key: BUILDERS[key]() for key in chosen}
pulumi.export("environment", environment)
pulumi.export("subscriptionIds", {key: sub.subscription_id for key, sub in subscriptions.items()})

"""Quickstart: send LaunchDarkly's production audit log to Datadog and to a Microsoft Teams channel."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement

config = pulumi.Config()
production_flags = Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])
enabled = config.get_bool("subscriptionsOn")

datadog = AuditLogSubscription(
    "datadog",
    integration_key="datadog",
    name="Production audit log to Datadog",
    config={
        "apiKey": config.require_secret("datadogApiKey"),
        "hostURL": config.get("datadogSite") or "https://api.datadoghq.com",
    },
    statements=[production_flags],
    on=True if enabled is None else enabled,
    tags=["managed-by-pulumi", "quickstart"],
)

teams = AuditLogSubscription(
    "teams",
    integration_key="msteams",
    name="Production flag changes to the release channel",
    config={"url": config.require("teamsWebhookUrl")},
    statements=[
        {
            "effect": "allow",
            "actions": ["updateOn", "updateRules"],
            "resources": ["proj/*:env/production:flag/*"],
        }
    ],
    tags=["managed-by-pulumi", "quickstart"],
)

pulumi.export("datadogSubscriptionId", datadog.subscription_id)
pulumi.export("teamsSubscriptionId", teams.subscription_id)
pulumi.export("datadogConfig", datadog.config)

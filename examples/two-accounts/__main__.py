"""Two LaunchDarkly accounts in one program: the US account through the plugin's default provider
(stack config `ld-auditsubs:accessToken`, `ld-auditsubs:apiHost`), the EU account through an
explicit provider (`pulumi:providers:ld-auditsubs` with its own `accessToken` and `apiHost`).

The resources are the native plugin's (`ld-auditsubs:index:AuditLogSubscription`), declared with
`pulumi.CustomResource` so the program needs no generated SDK; `pulumi package add` generates a
typed one for every language (docs/plugin.md).
"""

import pulumi

RESOURCE = "ld-auditsubs:index:AuditLogSubscription"
config = pulumi.Config()
production = [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}]
tags = config.get_object("tags") or ["managed-by-pulumi", "two-accounts"]

eu = pulumi.ProviderResource(
    "ld-auditsubs",
    "eu",
    {
        "accessToken": config.require_secret("euAccessToken"),
        "apiHost": config.get("euApiHost") or "https://app.eu.launchdarkly.com",
    },
)

us_datadog = pulumi.CustomResource(
    RESOURCE,
    "us-datadog",
    {
        "integrationKey": "datadog",
        "name": "US production audit log to Datadog",
        "config": {"apiKey": config.require_secret("datadogApiKey"), "hostURL": "https://api.datadoghq.com"},
        "statements": production,
        "on": True,
        "tags": tags,
        "subscriptionId": None,
        "apiHost": None,
    },
)

eu_teams = pulumi.CustomResource(
    RESOURCE,
    "eu-teams",
    {
        "integrationKey": "msteams",
        "name": "EU production flag changes to the release channel",
        "config": {"url": config.require_secret("teamsWebhookUrl")},
        "statements": production,
        "on": True,
        "tags": tags,
        "subscriptionId": None,
        "apiHost": None,
    },
    pulumi.ResourceOptions(provider=eu),
)

pulumi.export("usDatadogId", us_datadog.id)
pulumi.export("usDatadogHost", us_datadog.apiHost)  # type: ignore[attr-defined]
pulumi.export("euTeamsId", eu_teams.id)
pulumi.export("euTeamsHost", eu_teams.apiHost)  # type: ignore[attr-defined]

"""A program mypy --strict accepts: typed config per integration, and plain dicts with any key."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement
from pulumi_ld_auditsubs.config_types import DatadogHostURL, IntegrationKey, SplunkConfig

config = pulumi.Config()
production = [Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])]

AuditLogSubscription(
    "datadog",
    integration_key="datadog",
    name="Production audit log to Datadog",
    config={
        "apiKey": config.require_secret("datadogApiKey"),
        "hostURL": "https://api.datadoghq.eu",
        "hideMemberDetails": True,
    },
    statements=production,
)

site: DatadogHostURL = "https://us5.datadoghq.com"
AuditLogSubscription(
    "datadog-us5",
    integration_key="datadog",
    name="US5",
    config={"apiKey": config.require_secret("datadogApiKey"), "hostURL": site},
    statements=production,
)

splunk: SplunkConfig = {
    "base-url": "https://splunk.example.com:8088",
    "skip-ca-verification": False,
    "token": config.require_secret("splunkToken"),
}
AuditLogSubscription("splunk", integration_key="splunk", name="Splunk", config=splunk, statements=production)

# Plain dicts keep working: a key only known at run time, a mapping built by the program.
key: str = config.require("integration")
settings: dict[str, str] = {"url": "https://hooks.slack.com/services/T0/B0/x"}
AuditLogSubscription("any", integration_key=key, name="Any", config=settings, statements=production)

# An integration key from a list typed with IntegrationKey, and an Output as the whole config.
keys: list[IntegrationKey] = ["slack", "msteams"]
pulumi.export("keys", keys)
AuditLogSubscription(
    "from-output",
    integration_key=pulumi.Output.from_input("pagerduty"),
    name="PagerDuty",
    config=pulumi.Output.from_input({"integrationKey": "abc"}),
    statements=production,
)

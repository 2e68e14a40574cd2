"""A two-stack program passing each stack's values into typed config the documented way (mypy --strict)."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement
from pulumi_ld_auditsubs.config_types import (
    DatadogConfig,
    DatadogHostURLValue,
    NewRelicApmConfig,
    NewRelicApmDomainValue,
)

config = pulumi.Config()
production = [Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])]

# The stack's value, wrapped in the field's NewType: no cast, and Check still refuses a bad value.
AuditLogSubscription(
    "datadog",
    integration_key="datadog",
    name="Production audit log to Datadog",
    config=DatadogConfig(
        apiKey=config.require_secret("datadogApiKey"),
        hostURL=DatadogHostURLValue(config.require("datadogHost")),
    ),
    statements=production,
)

# An optional stack value with a default literal, and the same value as an annotated dict.
site = DatadogHostURLValue(config.get("datadogSite") or "https://api.datadoghq.com")
annotated: DatadogConfig = {"apiKey": config.require_secret("datadogApiKey"), "hostURL": site}
AuditLogSubscription(
    "datadog-site", integration_key="datadog", name="Site", config=annotated, statements=production
)

# A value that arrives as an Output (a secret, another stack's output): apply the NewType.
domain = config.require_secret("newRelicDomain").apply(NewRelicApmDomainValue)
AuditLogSubscription(
    "new-relic",
    integration_key="new-relic-apm",
    name="New Relic",
    config=NewRelicApmConfig(apiKey=config.require_secret("nrKey"), applicationId="123", domain=domain),
    statements=production,
)

# Literals are still literals.
AuditLogSubscription(
    "datadog-eu",
    integration_key="datadog",
    name="EU",
    config=DatadogConfig(apiKey=config.require_secret("datadogApiKey"), hostURL="https://api.datadoghq.eu"),
    statements=production,
)

"""A program with config mistakes that mypy --strict (with the deprecated error code) reports."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement
from pulumi_ld_auditsubs.config_types import DatadogConfig, NewRelicApmDomainValue, SplunkConfig

production = [Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])]

AuditLogSubscription(  # BAD: hostURL is not one of Datadog's sites
    "datadog",
    integration_key="datadog",
    name="Datadog",
    config={"apiKey": "k", "hostURL": "https://api.datadoghq.org"},
    statements=production,
)

misspelled: DatadogConfig = {"apiKey": "k", "hostUrl": "https://api.datadoghq.eu"}  # BAD: hostUrl
missing: SplunkConfig = {"base-url": "https://splunk.example.com", "token": "t"}  # BAD: skip-ca-verification
wrong_type: DatadogConfig = {"apiKey": "k", "hideMemberDetails": "yes"}  # BAD: not a bool

config = pulumi.Config()
stack_site = config.require("datadogHost")
wrong_literal = DatadogConfig(apiKey="k", hostURL="https://api.datadoghq.org")  # BAD: not a Datadog site
unwrapped = DatadogConfig(apiKey="k", hostURL=stack_site)  # BAD: a str needs DatadogHostURLValue(...)
other_field = DatadogConfig(apiKey="k", hostURL=NewRelicApmDomainValue(stack_site))  # BAD: New Relic's type

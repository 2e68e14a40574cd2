"""`count` Datadog subscriptions, independent of each other (the engine may run them in parallel)."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement

config = pulumi.Config()
for index in range(config.require_int("count")):
    AuditLogSubscription(
        f"sub-{index}",
        integration_key="datadog",
        name=f"Benchmark subscription {index}",
        config={"apiKey": config.require_secret("datadogApiKey"), "hostURL": "https://api.datadoghq.com"},
        statements=[Statement(effect="allow", actions=["*"], resources=["proj/*:env/*:flag/*"])],
        tags=["benchmark"],
    )

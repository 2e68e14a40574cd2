"""The plugin's functions from Python (``Mocks.call``): through the default provider and through provider=."""

import pulumi

config = pulumi.Config()
eu = pulumi.ProviderResource(
    "ld-auditsubs",
    "eu",
    {"accessToken": config.require_secret("euAccessToken"), "apiHost": config.require("euApiHost")},
)
found = pulumi.runtime.invoke_output(
    "ld-auditsubs:index:getAuditLogSubscriptions", {"integrationKey": "datadog"}
)
one = pulumi.runtime.invoke_output(
    "ld-auditsubs:index:getAuditLogSubscription",
    {"integrationKey": "slack", "subscriptionId": config.require("euSubscriptionId")},
    pulumi.InvokeOutputOptions(provider=eu),
)
pulumi.export(
    "usNames", pulumi.Output.unsecret(found.apply(lambda r: [s["name"] for s in r["subscriptions"]]))
)
pulumi.export("euName", pulumi.Output.unsecret(one.apply(lambda r: r["name"])))
pulumi.export("euId", pulumi.Output.unsecret(one.apply(lambda r: r["id"])))
pulumi.export("euConfig", one.apply(lambda r: r["config"]))

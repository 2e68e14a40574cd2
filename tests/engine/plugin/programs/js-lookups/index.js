"use strict";
// The plugin's functions from JavaScript: one through the default provider, one through `provider:`.
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config();
const eu = new pulumi.ProviderResource("ld-auditsubs", "eu", {
    accessToken: config.requireSecret("euAccessToken"),
    apiHost: config.require("euApiHost"),
});
const all = pulumi.runtime.invokeOutput("ld-auditsubs:index:getAuditLogSubscriptions", { integrationKey: "datadog" });
const one = pulumi.runtime.invokeOutput(
    "ld-auditsubs:index:getAuditLogSubscription",
    { integrationKey: "slack", subscriptionId: config.require("euSubscriptionId") },
    { provider: eu },
);
exports.usNames = pulumi.unsecret(all.apply((r) => r.subscriptions.map((s) => s.name)));
exports.euName = pulumi.unsecret(one.apply((r) => r.name));
exports.euId = pulumi.unsecret(one.apply((r) => r.id));
exports.euConfig = one.apply((r) => r.config);

"use strict";
// One subscription per LaunchDarkly account: the default provider (stack config
// ld-auditsubs:accessToken / ld-auditsubs:apiHost) and an explicit provider with its own inputs.
// `pulumi package add` generates a typed SDK (docs/plugin.md); plain CustomResource needs none.
const pulumi = require("@pulumi/pulumi");

const RESOURCE = "ld-auditsubs:index:AuditLogSubscription";
const config = new pulumi.Config();
const tags = config.getObject("tags") || ["managed-by-pulumi", "javascript"];
const production = [{ effect: "allow", actions: ["*"], resources: ["proj/*:env/production:flag/*"] }];

const eu = new pulumi.ProviderResource("ld-auditsubs", "eu", {
    accessToken: config.requireSecret("euAccessToken"),
    apiHost: config.get("euApiHost") || "https://app.eu.launchdarkly.com",
});

const datadog = new pulumi.CustomResource(RESOURCE, "datadog", {
    integrationKey: "datadog",
    name: "Production audit log to Datadog",
    config: { apiKey: config.requireSecret("datadogApiKey"), hostURL: "https://api.datadoghq.com" },
    statements: production,
    on: true,
    tags: tags,
    subscriptionId: undefined,
    apiHost: undefined,
});

const slack = new pulumi.CustomResource(RESOURCE, "eu-slack", {
    integrationKey: "slack",
    name: "EU production flag changes to Slack",
    config: { url: config.requireSecret("slackWebhookUrl") },
    statements: production,
    on: true,
    tags: tags,
    subscriptionId: undefined,
    apiHost: undefined,
}, { provider: eu });

exports.datadogId = datadog.id;
exports.datadogHost = datadog.apiHost;
exports.slackId = slack.id;
exports.slackHost = slack.apiHost;

"""Look subscriptions up (during preview and up) and build a new one from what was found."""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, get_audit_log_subscription, list_audit_log_subscriptions

config = pulumi.Config()

compliance = list_audit_log_subscriptions(tags=["compliance"])
[listed] = list_audit_log_subscriptions("datadog", name="Production audit log to Datadog")
found = get_audit_log_subscription("datadog", listed.subscription_id)

pulumi.export("complianceNames", [s.name for s in compliance])
pulumi.export("foundId", found.id)
pulumi.export("foundOn", found.on)
pulumi.export("foundTags", list(found.tags))
pulumi.export("foundStatementEffects", [s.effect for s in found.statements])
pulumi.export("foundConfig", found.config)
pulumi.export("foundHost", found.config.apply(lambda c: c["hostURL"]))

missing = config.get("missingId")
if missing:
    get_audit_log_subscription("datadog", missing)

copy = AuditLogSubscription(
    "copy-to-teams",
    integration_key="msteams",
    name=f"Copy of {found.name}",
    config={"url": "https://example.webhook.office.com/webhookb2/copy"},
    statements=list(found.statements),
)
pulumi.export("copyStatements", copy.statements)

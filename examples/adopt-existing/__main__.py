"""Adopt a subscription someone created in LaunchDarkly's UI, and manage it as code from now on.

Pulumi's `import` does not reach dynamic providers, so adoption is an input: on its first `up` the
resource reads the subscription named by `adopt_id`, patches it to match this declaration, and owns it
from then on (`pulumi destroy` deletes it). An id that does not exist fails the `up` instead of
silently creating a new subscription.
"""

import pulumi

from pulumi_ld_auditsubs import AuditLogSubscription, Statement

config = pulumi.Config()

ops_channel = AuditLogSubscription(
    "ops-channel",
    integration_key="msteams",
    name="Flag changes to the ops channel (managed by Pulumi)",
    config={"url": config.require("teamsWebhookUrl")},
    statements=[Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])],
    tags=["managed-by-pulumi", "adopted"],
    adopt_id=config.require("existingSubscriptionId"),
)

pulumi.export("subscriptionId", ops_channel.subscription_id)
pulumi.export("name", ops_channel.name)

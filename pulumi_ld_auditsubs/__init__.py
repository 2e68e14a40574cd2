"""LaunchDarkly audit log subscriptions as Pulumi resources.

``AuditLogSubscription`` is a Pulumi dynamic resource whose provider talks to LaunchDarkly's REST
API and updates subscriptions with minimal JSON Patches; ``Statement`` builds its policy statements;
``get_audit_log_subscription`` and ``list_audit_log_subscriptions`` read existing ones from a program.
The offline emulator and the local engine live in :mod:`pulumi_ld_auditsubs.testing`.
"""

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.config_types import IntegrationKey
from pulumi_ld_auditsubs.lookups import (
    AuditLogSubscriptionResult,
    SubscriptionLookupError,
    get_audit_log_subscription,
    list_audit_log_subscriptions,
)
from pulumi_ld_auditsubs.resource import AuditLogSubscription, Statement

__all__ = [
    "AuditLogSubscription",
    "AuditLogSubscriptionResult",
    "IntegrationKey",
    "Statement",
    "SubscriptionLookupError",
    "__version__",
    "get_audit_log_subscription",
    "list_audit_log_subscriptions",
]

"""Look audit log subscriptions up from a Pulumi program (Terraform's data source), read-only.

``get_audit_log_subscription`` and ``list_audit_log_subscriptions`` are plain functions that call
LaunchDarkly while the program runs, during ``pulumi preview`` as well as ``pulumi up`` (like a
Terraform data source during plan). Python dynamic providers cannot serve invokes, so the lookup
runs in the program's process, with the provider's credentials: stack config
``launchdarkly:accessToken`` / ``launchdarkly:apiHost``, then ``LAUNCHDARKLY_ACCESS_TOKEN`` /
``LAUNCHDARKLY_API_HOST``. They only ever send GET requests.

The results are frozen dataclasses. ``config`` is a secret ``pulumi.Output`` (as LaunchDarkly
returns it: secret values masked), so exporting it or passing it to a resource keeps it encrypted
in state; every other field is a plain value usable in Python control flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config, get_config_env

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, client_for
from pulumi_ld_auditsubs.api.settings import CONFIG_KEYS, ProviderSettings
from pulumi_ld_auditsubs.errors import (
    LaunchDarklyError,
    MissingCredentialsError,
    SettingsError,
    SubscriptionLookupError,
)
from pulumi_ld_auditsubs.operations.lookups import find_all, find_one
from pulumi_ld_auditsubs.rules.models import Subscription, document_from_api
from pulumi_ld_auditsubs.rules.statement import Statement

__all__ = [
    "AuditLogSubscriptionResult",
    "SubscriptionLookupError",
    "get_audit_log_subscription",
    "list_audit_log_subscriptions",
]


@dataclass(frozen=True)
class AuditLogSubscriptionResult:
    """One audit log subscription as LaunchDarkly holds it."""

    id: str
    """``<integrationKey>/<subscriptionId>``: the resource ID, also usable as ``adopt_id``."""
    integration_key: str
    """The integration's key (``datadog``, ``splunk``, ...)."""
    subscription_id: str
    """LaunchDarkly's ``_id``."""
    name: str
    """The name shown in LaunchDarkly."""
    on: bool
    """Whether the subscription sends events."""
    tags: tuple[str, ...]
    statements: tuple[Statement, ...]
    """The policy statements; each can be passed to ``AuditLogSubscription(statements=...)``."""
    config: pulumi.Output[dict[str, Any]]
    """The form variables, keys verbatim, secret values masked by LaunchDarkly; a Pulumi secret."""
    status: dict[str, Any]
    """LaunchDarkly's ``_status``: successCount, errorCount, lastSuccess, lastError, errors."""


def get_audit_log_subscription(integration_key: str, subscription_id: str) -> AuditLogSubscriptionResult:
    """The subscription ``subscription_id`` of ``integration_key``; raises if LaunchDarkly has none.

    ``subscription_id`` may also be the resource ID form ``<integrationKey>/<subscriptionId>``.
    """
    client = _client()
    return _result(*find_one(client, integration_key, subscription_id, caller="get_audit_log_subscription"))


def list_audit_log_subscriptions(
    integration_key: str | None = None,
    *,
    tags: Sequence[str] | None = None,
    name: str | None = None,
) -> list[AuditLogSubscriptionResult]:
    """Subscriptions of one integration (or of every integration in the catalog), filtered.

    ``tags``: only subscriptions carrying all of them; ``name``: only those with exactly this name.
    Ordered by integration key, then name, then id. An empty list is not an error.
    """
    client = _client()
    found = find_all(client, integration_key, tags, name, caller="list_audit_log_subscriptions")
    return [_result(key, item) for key, item in found]


def _client() -> LaunchDarklyClient:
    """A client with the provider's settings: stack config first, then the environment."""
    try:
        # Every key, so a misspelled setting is refused here as in the provider's Check.
        keys = {*CONFIG_KEYS, *get_config_env(), *CONFIG.get()}
        settings = ProviderSettings.resolve({key: _config(key) for key in keys})
    except SettingsError as exc:
        raise LaunchDarklyError(f"cannot look audit log subscriptions up: {exc}") from None
    if settings.token is None:
        raise MissingCredentialsError()
    return client_for(settings)


def _config(key: str) -> str | None:
    """A stack config value as text; secret ones too, without the SDK's "use get_secret" warning."""
    value = get_config(key)
    return None if value is None else str(value)


def _result(integration_key: str, subscription: Subscription) -> AuditLogSubscriptionResult:
    document = document_from_api(subscription)
    subscription_id = subscription.id
    statements = tuple(Statement.model_validate(s) for s in document["statements"])
    return AuditLogSubscriptionResult(
        id=f"{integration_key}/{subscription_id}",
        integration_key=integration_key,
        subscription_id=subscription_id,
        name=document["name"],
        on=document["on"],
        tags=tuple(document["tags"]),
        statements=statements,
        config=pulumi.Output.secret(document["config"]),
        status=dict(subscription.status or {}),
    )

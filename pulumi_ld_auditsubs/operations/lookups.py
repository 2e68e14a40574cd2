"""The lookups, once for both hosts: one subscription by id, or a filtered list; GET requests only.

The Python lookups (:mod:`pulumi_ld_auditsubs.lookups`) wrap these results in dataclasses; the
native plugin answers its functions (``getAuditLogSubscription(s)``) with :func:`record`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient
from pulumi_ld_auditsubs.errors import NotFoundError, SubscriptionLookupError
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.models import Subscription, document_from_api
from pulumi_ld_auditsubs.rules.ref import split_ref

Found = tuple[str, Subscription]
"""An integration key and one of its subscriptions."""


def find_one(client: LaunchDarklyClient, integration_key: Any, subscription_id: Any, *, caller: str) -> Found:
    """The subscription ``subscription_id`` (or ``<integrationKey>/<id>``) of ``integration_key``."""
    if not isinstance(integration_key, str) or not integration_key.strip():
        raise ValueError(f"{caller}: integration_key must be a non-empty string")
    if not isinstance(subscription_id, str) or not subscription_id.strip():
        raise ValueError(f"{caller}: subscription_id must be a non-empty string")
    key_part, id_part = split_ref(subscription_id)
    if key_part and key_part != integration_key:
        raise ValueError(
            f"{caller}: subscription_id {subscription_id!r} names integration "
            f"{key_part!r}, but integration_key is {integration_key!r}"
        )
    try:
        return integration_key, client.get_subscription(integration_key, id_part)
    except NotFoundError as exc:
        raise SubscriptionLookupError(
            f"{caller}: LaunchDarkly ({client.host}) has no {integration_key!r} audit log "
            f"subscription with id {id_part!r}"
        ) from exc


def find_all(
    client: LaunchDarklyClient,
    integration_key: str | None,
    tags: Sequence[str] | None,
    name: str | None,
    *,
    caller: str,
) -> list[Found]:
    """Subscriptions of one integration (or of every one in the catalog) with all ``tags`` and ``name``.

    Ordered by integration key, then name, then id. An empty list is not an error.
    """
    if isinstance(tags, str):
        raise TypeError(f"{caller}: tags is a list of tags, not a single string")
    keys = [integration_key] if integration_key is not None else list(load_catalog())
    found: list[Found] = []
    for key in keys:
        try:
            items = client.list_subscriptions(key)
        except NotFoundError as exc:
            raise SubscriptionLookupError(
                f"{caller}: LaunchDarkly ({client.host}) has no integration {key!r}"
            ) from exc
        found += [
            (key, item)
            for item in items
            if set(tags or ()) <= set(item.tags) and (name is None or item.name == name)
        ]
    return sorted(found, key=lambda pair: (pair[0], pair[1].name, pair[1].id))


def record(found: Found) -> dict[str, Any]:
    """One subscription in the functions' wire form (``config`` as LaunchDarkly returns it, masked)."""
    key, subscription = found
    document = document_from_api(subscription)
    return {
        "id": f"{key}/{subscription.id}",
        "integrationKey": key,
        "subscriptionId": subscription.id,
        "name": document["name"],
        "on": document["on"],
        "tags": list(document["tags"]),
        "statements": list(document["statements"]),
        "config": dict(document["config"]),
        "status": dict(subscription.status or {}),
    }

"""Which subscription: an integration key and LaunchDarkly's id, parsed, checked and made into paths here.

A subscription id is a MongoDB ObjectId (24 lowercase hex digits). Only such an id is ever stored in
state or put in a request path, so ``None``, ``""``, ``/`` or ``..`` from a garbled answer or a
damaged state can never address another resource. Resource IDs and ``adopt_id`` values are
``<integrationKey>/<subscriptionId>``; request paths are built from the parts, each quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from pulumi_ld_auditsubs.errors import InvalidIdError

__all__ = [
    "COLLECTION_ROUTE",
    "ID_RULE",
    "ITEM_ROUTE",
    "SubscriptionRef",
    "collection_path",
    "is_subscription_id",
    "split_ref",
    "subscription_id_created_at",
]

COLLECTION_ROUTE = "/api/v2/integrations/{integrationKey}"
ITEM_ROUTE = "/api/v2/integrations/{integrationKey}/{id}"

_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
ID_RULE = "a subscription id is 24 lowercase hexadecimal digits"


def is_subscription_id(value: object) -> bool:
    """Whether ``value`` is a LaunchDarkly subscription id: a MongoDB ObjectId, 24 lowercase hex digits."""
    return isinstance(value, str) and _OBJECT_ID.fullmatch(value) is not None


def subscription_id_created_at(subscription_id: str) -> float:
    """Unix seconds when the subscription was created: an ObjectId's first 4 bytes, big-endian.

    Whole seconds of the *server's* clock. Raises ValueError for anything that is not a subscription id.
    """
    if not is_subscription_id(subscription_id):
        raise ValueError(f"not a subscription id: {ID_RULE}")
    return float(int(subscription_id[:8], 16))


def collection_path(integration_key: str) -> str:
    """``/api/v2/integrations/<key>``, the key quoted; InvalidIdError for a key that is no path segment."""
    if not isinstance(integration_key, str) or integration_key in ("", ".", ".."):
        raise InvalidIdError(f"not an integration key: {integration_key!r}")
    return f"/api/v2/integrations/{quote(integration_key, safe='')}"


def split_ref(text: str) -> tuple[str | None, str]:
    """``<integrationKey>/<subscriptionId>`` or a bare id, split without judging either part."""
    key, slash, subscription_id = text.rpartition("/")
    return (key if slash else None), subscription_id


@dataclass(frozen=True)
class SubscriptionRef:
    """One subscription: its integration key and its id, both checked when the reference is made."""

    integration_key: str
    subscription_id: str

    def __post_init__(self) -> None:
        collection_path(self.integration_key)  # raises for a key that cannot be a path segment
        if not is_subscription_id(self.subscription_id):
            raise InvalidIdError(
                f"refusing to address subscription {self.subscription_id!r} of {self.integration_key}: "
                f"{ID_RULE}"
            )

    @classmethod
    def from_resource_id(cls, resource_id: str) -> SubscriptionRef:
        """The reference a Pulumi resource ID (``<integrationKey>/<subscriptionId>``) names."""
        key, subscription_id = split_ref(resource_id)
        if not key or not is_subscription_id(subscription_id):
            raise InvalidIdError(
                f"resource id {resource_id!r} is not of the form '<integrationKey>/<subscriptionId>' with a "
                "24-hex-digit subscription id; the stack's state is damaged: remove the resource with "
                "`pulumi state delete` and adopt the subscription again with adopt_id"
            )
        return cls(key, subscription_id)

    @property
    def resource_id(self) -> str:
        """``<integrationKey>/<subscriptionId>``: the Pulumi resource ID, also usable as ``adopt_id``."""
        return f"{self.integration_key}/{self.subscription_id}"

    @property
    def path(self) -> str:
        """The subscription's request path, ``/api/v2/integrations/<key>/<id>``."""
        return f"{collection_path(self.integration_key)}/{self.subscription_id}"

    @property
    def created_at(self) -> float:
        """Unix seconds of its creation, by LaunchDarkly's clock (see :func:`subscription_id_created_at`)."""
        return subscription_id_created_at(self.subscription_id)

    def __str__(self) -> str:
        return self.resource_id

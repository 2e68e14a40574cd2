"""What counts as "the same": one set of rules (patch.py), used by recovery and the provider too."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_ld_auditsubs.operations.recovery import same_subscription
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.masking import mask_secret, same_secret
from pulumi_ld_auditsubs.rules.models import desired_document
from pulumi_ld_auditsubs.rules.patch import same_document, same_tags, with_declared_secrets

DATADOG = load_catalog()["datadog"]
API_KEY = "dd-api-key-0123456789"
STATEMENT = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
WANTED = desired_document(
    {
        "name": "Production audit log",
        "config": {"apiKey": API_KEY, "hideMemberDetails": True},
        "on": True,
        "tags": ["a", "b"],
        "statements": [STATEMENT],
    },
    DATADOG,
)


def _listed(**changes: Any) -> dict[str, Any]:
    """A subscription as LaunchDarkly lists it: the secret masked, the defaults filled in."""
    body: dict[str, Any] = {
        "_id": "65f0c0ffee0123456789abcd",
        "kind": "datadog",
        "name": "Production audit log",
        "config": {
            "apiKey": mask_secret(API_KEY),
            "hideMemberDetails": True,
            "hostURL": "https://api.datadoghq.com",
        },
        "on": True,
        "tags": ["b", "a"],
        "statements": [STATEMENT],
    }
    body.update(changes)
    return body


def test_the_listed_subscription_is_the_wanted_one() -> None:
    assert same_subscription(_listed(), WANTED, DATADOG)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Other"},
        {"on": False},
        {"tags": ["a"]},
        {"statements": [{**STATEMENT, "effect": "deny"}]},
        {"config": {**_listed()["config"], "apiKey": mask_secret("rotated-out-of-band")}},
        {"config": {**_listed()["config"], "hostURL": "https://api.datadoghq.eu"}},
    ],
)
def test_a_different_listed_subscription_is_not(changes: dict[str, Any]) -> None:
    assert not same_subscription(_listed(**changes), WANTED, DATADOG)


def test_a_number_is_not_a_boolean_in_config() -> None:
    """``True == 1`` in Python; as JSON they differ, and so they do here."""
    listed = _listed(config={**_listed()["config"], "hideMemberDetails": 1})
    assert not same_subscription(listed, WANTED, DATADOG)


def test_a_listed_on_of_1_is_not_on_true() -> None:
    """``models.Subscription`` reads ``on`` as a strict JSON boolean, so 1 never passes as true."""
    assert not same_subscription(_listed(on=1), WANTED, DATADOG)


def test_same_document_tells_a_number_from_a_boolean() -> None:
    live = {**WANTED, "on": 1}
    assert not same_document(live, WANTED, DATADOG)
    assert same_document(dict(WANTED), WANTED, DATADOG)


def test_masked_secrets_are_credited_only_where_they_may_be_secret() -> None:
    masked = mask_secret(API_KEY)
    live = {"apiKey": masked, "hostURL": mask_secret("https://x.example")}
    declared = {"apiKey": API_KEY, "hostURL": "https://x.example"}
    # hostURL is not secret for datadog: LaunchDarkly returns it as it is, so stars are its value.
    assert with_declared_secrets(live, declared, DATADOG) == {"apiKey": API_KEY, "hostURL": live["hostURL"]}
    # Outside the catalog a masked value is the only sign of a secret.
    assert with_declared_secrets(live, declared, None) == declared
    # A secret rotated out of band stays masked, so it differs from the declared one.
    assert with_declared_secrets({"apiKey": masked}, {"apiKey": "other-key-0123456"}, DATADOG) == {
        "apiKey": masked
    }


@pytest.mark.parametrize(
    ("live", "declared", "same"),
    [
        ("sup****123", "super-secret-123", True),
        ("sup****124", "super-secret-123", False),
        ("super-secret-123", "super-secret-123", False),  # not masked: compared as it is elsewhere
        (None, "x", False),
    ],
)
def test_same_secret(live: object, declared: object, same: bool) -> None:
    assert same_secret(live, declared) is same


def test_same_tags() -> None:
    assert same_tags(["a", "b"], ["b", "a"])
    assert same_tags(None, [])
    assert not same_tags(["a"], ["a", "b"])

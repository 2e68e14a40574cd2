"""LaunchDarkly's official Python client (PyPI ``launchdarkly-api``) drives the emulator end to end.

If the client's deserialization is stricter than the emulator's shapes, the emulator is wrong.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pulumi_ld_auditsubs.testing import Emulator

if TYPE_CHECKING:
    import launchdarkly_api
    from launchdarkly_api.api.integration_audit_log_subscriptions_api import (
        IntegrationAuditLogSubscriptionsApi,
    )
    from launchdarkly_api.exceptions import (
        ApiException,
        BadRequestException,
        ForbiddenException,
        NotFoundException,
        UnauthorizedException,
    )
    from launchdarkly_api.models.patch_operation import PatchOperation
    from launchdarkly_api.models.statement_post import StatementPost
    from launchdarkly_api.models.subscription_post import SubscriptionPost

_OFFICIAL_NAMES = {
    "launchdarkly_api.api.integration_audit_log_subscriptions_api": ["IntegrationAuditLogSubscriptionsApi"],
    "launchdarkly_api.exceptions": [
        "ApiException",
        "BadRequestException",
        "ForbiddenException",
        "NotFoundException",
        "UnauthorizedException",
    ],
    "launchdarkly_api.models.patch_operation": ["PatchOperation"],
    "launchdarkly_api.models.statement_post": ["StatementPost"],
    "launchdarkly_api.models.subscription_post": ["SubscriptionPost"],
}


@pytest.fixture(autouse=True, scope="module")
def _official_client_imported() -> None:
    """The names above, imported when these tests run rather than when they are collected: the
    client's import takes 2-3 s, which every xdist worker would pay before its first test
    (tests/conftest.py runs this module on one worker)."""
    globals()["launchdarkly_api"] = importlib.import_module("launchdarkly_api")
    for module, names in _OFFICIAL_NAMES.items():
        imported = importlib.import_module(module)
        globals().update({name: getattr(imported, name) for name in names})


def _client(emulator: Emulator, token: str) -> Iterator[IntegrationAuditLogSubscriptionsApi]:
    configuration = launchdarkly_api.Configuration(host=emulator.url)
    configuration.api_key["ApiKey"] = token
    with launchdarkly_api.ApiClient(configuration) as api_client:
        yield IntegrationAuditLogSubscriptionsApi(api_client)


@pytest.fixture
def client(emulator: Emulator) -> Iterator[IntegrationAuditLogSubscriptionsApi]:
    yield from _client(emulator, emulator.token)


def _datadog_post(**overrides: object) -> SubscriptionPost:
    fields: dict[str, object] = {
        "name": "official client",
        "config": {"apiKey": "dd-secret-api-key-0123", "hideMemberDetails": True},
        "statements": [
            StatementPost(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])
        ],
        "on": True,
        "tags": ["official"],
    }
    fields.update(overrides)
    return SubscriptionPost(**fields)


def test_create_list_get_patch_delete(
    client: IntegrationAuditLogSubscriptionsApi, emulator: Emulator
) -> None:
    created = client.create_subscription("datadog", _datadog_post())
    assert len(created.id) == 24
    assert created.kind == "datadog"
    assert created.on is True
    assert created.config["apiKey"] == "dd-****************123"
    assert created.config["hostURL"] == "https://api.datadoghq.com"
    assert created.statements[0].effect == "allow"
    assert created.links["self"].href == f"/api/v2/integrations/datadog/{created.id}"
    assert created.access.allowed == []
    assert created.status.success_count == 0
    assert emulator.secret("datadog", created.id, "apiKey") == "dd-secret-api-key-0123"

    listed = client.get_subscriptions("datadog")
    assert listed.key == "datadog"
    assert [item.id for item in listed.items] == [created.id]
    assert listed.links["self"].href == "/api/v2/integrations/datadog"

    fetched = client.get_subscription_by_id("datadog", created.id)
    assert fetched == created

    patched = client.update_subscription(
        "datadog",
        created.id,
        [
            PatchOperation(op="replace", path="/on", value=False),
            PatchOperation(op="replace", path="/config/apiKey", value=created.config["apiKey"]),
            PatchOperation(op="add", path="/tags/-", value="patched"),
        ],
    )
    assert patched.on is False
    assert patched.tags == ["official", "patched"]
    assert emulator.secret("datadog", created.id, "apiKey") == "dd-secret-api-key-0123"

    assert client.delete_subscription("datadog", created.id) is None
    assert client.get_subscriptions("datadog").items == []


def test_not_resources_and_not_actions_round_trip(client: IntegrationAuditLogSubscriptionsApi) -> None:
    statement = StatementPost(
        effect="deny", not_actions=["updateOn"], not_resources=["proj/*:env/test:flag/*"]
    )
    created = client.create_subscription("datadog", _datadog_post(statements=[statement]))
    assert created.statements[0].not_actions == ["updateOn"]
    assert created.statements[0].not_resources == ["proj/*:env/test:flag/*"]


def test_bad_request_arrives_as_bad_request_exception(client: IntegrationAuditLogSubscriptionsApi) -> None:
    with pytest.raises(BadRequestException) as raised:
        client.create_subscription("datadog", _datadog_post(config={"hideMemberDetails": True}))
    assert raised.value.status == 400
    assert "config.apiKey is required" in str(raised.value.body)


def test_unknown_token_arrives_as_unauthorized_exception(emulator: Emulator) -> None:
    for client in _client(emulator, "api-not-a-token"):
        with pytest.raises(UnauthorizedException) as raised:
            client.get_subscriptions("datadog")
        assert raised.value.status == 401


def test_read_only_token_arrives_as_forbidden_exception(emulator: Emulator) -> None:
    for client in _client(emulator, "api-read-only"):
        assert client.get_subscriptions("datadog").items == []
        with pytest.raises(ForbiddenException) as raised:
            client.create_subscription("datadog", _datadog_post())
        assert raised.value.status == 403


def test_unknown_ids_and_keys_arrive_as_not_found_exception(
    client: IntegrationAuditLogSubscriptionsApi,
) -> None:
    with pytest.raises(NotFoundException):
        client.get_subscription_by_id("datadog", "fake-id")
    with pytest.raises(NotFoundException):
        client.delete_subscription("datadog", "0123456789abcdef01234567")
    with pytest.raises(NotFoundException):
        client.get_subscriptions("no-such-integration")


def test_rate_limiting_arrives_as_api_exception_with_429() -> None:
    with Emulator(rate_limit=1) as emulator:
        for client in _client(emulator, emulator.token):
            client.get_subscriptions("datadog")
            with pytest.raises(ApiException) as raised:
                client.get_subscriptions("datadog")
            assert raised.value.status == 429
            assert raised.value.headers["X-Ratelimit-Route-Remaining"] == "0"

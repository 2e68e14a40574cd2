"""Answers that must never reach state: garbled reads, a PATCH answered for another id, foreign 404s,
and redirects (never followed). All injected through the emulator over real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, RateLimitWindows, RetryPolicy
from pulumi_ld_auditsubs.errors import (
    ApiError,
    InvalidIdError,
    InvalidResponseError,
    LaunchDarklyError,
    NotFoundError,
    RedirectRefusedError,
)
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-answer-tests-27182818"
COLLECTION = "/api/v2/integrations/msteams"
OTHER_ID = "0123456789abcdef01234567"
BODY = {
    "name": "answer test",
    "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
}
LISTED = {"_id": OTHER_ID, "kind": "msteams", "name": "listed", "config": {}, "on": True}
"""A well-formed list item, beside the broken one a case puts after it."""
HTML_404 = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>nginx</body></html>"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


@pytest.fixture
def client(emulator: Emulator) -> LaunchDarklyClient:
    emulator.clear_faults()
    emulator.clear_requests()
    return LaunchDarklyClient(
        emulator.url,
        TOKEN,
        retry=RetryPolicy(jitter=lambda wait: 0.0, backoff_base=0.01),
        rate_limits=RateLimitWindows(),
    )


@pytest.fixture
def subscription_id(client: LaunchDarklyClient, emulator: Emulator) -> str:
    created = client.create_subscription("msteams", BODY)
    emulator.clear_requests()
    return str(created.id)


GARBLED: list[tuple[str, dict[str, Any], str]] = [
    ("not JSON", {"raw_body": b"<<garbage>>", "content_type": "application/json"}, "not valid JSON"),
    ("HTML", {"raw_body": "<html></html>", "content_type": "text/html"}, "text/html, not JSON"),
    ("empty", {"raw_body": b""}, "empty"),
    ("a list", {"body": [1, 2]}, "JSON list"),
    ("no _id", {"body": {"name": "x"}}, "`_id` is not a subscription id (missing or null)"),
    ("bad _id", {"body": {"_id": "../x"}}, "`_id` is not a subscription id (got '../x')"),
    ("another _id", {"body": {"_id": OTHER_ID}}, f"`_id` is {OTHER_ID}, not the requested"),
]


@pytest.mark.parametrize(("case", "fault", "says"), GARBLED, ids=[c for c, _, _ in GARBLED])
def test_a_read_that_is_not_the_subscription_names_the_request_and_the_field(
    client: LaunchDarklyClient,
    emulator: Emulator,
    subscription_id: str,
    case: str,
    fault: dict[str, Any],
    says: str,
) -> None:
    path = f"{COLLECTION}/{subscription_id}"
    emulator.inject_fault("GET", path, action="garble", times=2, **fault)
    with pytest.raises(InvalidResponseError) as invalid:
        client.get_subscription("msteams", subscription_id)
    message = str(invalid.value)
    assert message.startswith(f"GET {path}: ") and says in message
    assert emulator.url in message
    assert invalid.value.__context__ is None and invalid.value.__cause__ is None


@pytest.mark.parametrize(("case", "fault", "says"), GARBLED, ids=[c for c, _, _ in GARBLED])
def test_a_patch_answer_must_be_the_patched_subscription(
    client: LaunchDarklyClient,
    emulator: Emulator,
    subscription_id: str,
    case: str,
    fault: dict[str, Any],
    says: str,
) -> None:
    path = f"{COLLECTION}/{subscription_id}"
    emulator.inject_fault("PATCH", path, action="garble", **fault)
    with pytest.raises(InvalidResponseError) as invalid:
        client.patch_subscription(
            "msteams", subscription_id, [{"op": "replace", "path": "/on", "value": True}]
        )
    assert str(invalid.value).startswith(f"PATCH {path}: ") and says in str(invalid.value)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"items": {"_id": OTHER_ID}}, "`items` is not a list"),
        ({"totalCount": 0}, "`items` is not a list"),
        ({"items": ["x"]}, "`items[0]` is not an object"),
        ({"items": [LISTED, {**LISTED, "_id": None}]}, "`items[1]._id` is not a subscription id"),
        ({"items": [{"_id": "abc/../def"}]}, "`items[0]._id` is not a subscription id"),
        ({"items": [LISTED, {"_id": OTHER_ID}]}, "field `items[1].kind`: Field required"),
        ({"items": [{**LISTED, "on": 1}]}, "field `items[0].on`: Input should be a valid boolean"),
        ({"items": [{**LISTED, "kind": "slack"}]}, "`items[0].kind` is 'slack', not 'msteams'"),
    ],
)
def test_a_list_with_unusable_items_is_refused(
    client: LaunchDarklyClient, emulator: Emulator, body: dict[str, Any], says: str
) -> None:
    emulator.inject_fault("GET", COLLECTION, action="garble", body=body)
    with pytest.raises(InvalidResponseError, match=f"GET {COLLECTION}: .*") as invalid:
        client.list_subscriptions("msteams")
    assert says in str(invalid.value)


def test_launchdarklys_own_404_means_gone(client: LaunchDarklyClient) -> None:
    with pytest.raises(NotFoundError) as gone:
        client.get_subscription("msteams", OTHER_ID)
    assert gone.value.code == "not_found"
    with pytest.raises(NotFoundError):
        client.delete_subscription("msteams", OTHER_ID)


@pytest.mark.parametrize(
    "fault",
    [
        {"raw_body": HTML_404, "content_type": "text/html"},
        {"raw_body": b"404 page not found", "content_type": "text/plain"},
        {"raw_body": b""},
        {"body": {"error": "no such route"}},  # JSON, but not LaunchDarkly's error document
        {"body": ["not_found"]},
    ],
    ids=["html", "text", "empty", "foreign-json", "json-list"],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_404_that_is_not_launchdarklys_is_an_error_naming_the_host(
    client: LaunchDarklyClient, emulator: Emulator, subscription_id: str, method: str, fault: dict[str, Any]
) -> None:
    """Refresh must not drop, nor delete forget, a subscription because a proxy or wrong prefix 404s."""
    emulator.inject_fault(method, f"{COLLECTION}/*", status=404, **fault)
    call = client.get_subscription if method == "GET" else client.delete_subscription
    with pytest.raises(ApiError) as foreign:
        call("msteams", subscription_id)
    assert not isinstance(foreign.value, NotFoundError)
    assert foreign.value.status == 404
    message = str(foreign.value)
    assert emulator.url in message and "launchdarkly:apiHost" in message
    assert any(s["_id"] == subscription_id for s in emulator.subscriptions())


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_redirects_are_never_followed(
    client: LaunchDarklyClient, emulator: Emulator, subscription_id: str, status: int, method: str
) -> None:
    """Nothing (token, body, secret) reaches the Location's origin: the error names it and the setting."""
    with Emulator(tokens=(TOKEN,)) as elsewhere:
        location = elsewhere.url + COLLECTION
        emulator.inject_fault(method, f"{COLLECTION}*", status=status, headers={"Location": location})
        with pytest.raises(RedirectRefusedError) as refused:
            if method == "POST":
                client.create_subscription("msteams", BODY)
            elif method == "GET":
                client.get_subscription("msteams", subscription_id)
            elif method == "PATCH":
                client.patch_subscription(
                    "msteams", subscription_id, [{"op": "replace", "path": "/on", "value": True}]
                )
            else:
                client.delete_subscription("msteams", subscription_id)
        assert elsewhere.requests == []
    assert refused.value.location == location
    assert location in str(refused.value) and "launchdarkly:apiHost" in str(refused.value)
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(
    "bad_id", ["", ".", "..", "../flags", "abc", "0123456789ABCDEF01234567", "x" * 24, None]
)
def test_an_id_that_is_not_a_subscription_id_is_refused_before_any_request(
    client: LaunchDarklyClient, emulator: Emulator, bad_id: Any
) -> None:
    for call in (
        lambda: client.get_subscription("msteams", bad_id),
        lambda: client.delete_subscription("msteams", bad_id),
        lambda: client.patch_subscription(
            "msteams", bad_id, [{"op": "replace", "path": "/on", "value": True}]
        ),
    ):
        with pytest.raises(InvalidIdError) as refused:
            call()
        assert isinstance(refused.value, LaunchDarklyError) and isinstance(refused.value, ValueError)
    assert emulator.requests == []

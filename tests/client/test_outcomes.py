"""Creates whose outcome is unknown: the server may have acted, so the POST is never sent again.

Each case is injected through the emulator over real sockets; the test checks what the user would
notice: the error type and its ``sent_at``, how many POSTs reached the server, and how many
subscriptions exist afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_ld_auditsubs.api.client import (
    LaunchDarklyClient,
    RateLimitWindows,
    RetryPolicy,
)
from pulumi_ld_auditsubs.errors import ApiConnectionError, OutcomeUnknownError, ServerError
from pulumi_ld_auditsubs.rules.ref import is_subscription_id, subscription_id_created_at
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-outcome-tests-31415926"
COLLECTION = "/api/v2/integrations/msteams"
BODY = {
    "name": "outcome test",
    "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
}
READ_TIMEOUT = 0.3
GATEWAY_PAGE = "<html><body><h1>{status}</h1>nginx</body></html>"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


@pytest.fixture
def client(emulator: Emulator) -> LaunchDarklyClient:
    return LaunchDarklyClient(
        emulator.url,
        TOKEN,
        timeout=(2.0, READ_TIMEOUT),
        retry=RetryPolicy(jitter=lambda wait: 0.0, backoff_base=0.01),
        rate_limits=RateLimitWindows(),
    )


def posts(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST")


def wait_for_subscriptions(emulator: Emulator, count: int) -> list[dict[str, Any]]:
    """Poll until ``count`` subscriptions exist (an act-late server finishes after the client gave up)."""
    deadline = time.monotonic() + 10
    while len(emulator.subscriptions()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return emulator.subscriptions()


# Faults where the server acts (a subscription exists afterwards) but the answer is lost or useless.
ACTED: list[tuple[str, dict[str, Any]]] = [
    ("connection dropped after acting", {"action": "drop_after"}),
    ("answer later than the read timeout", {"action": "answer_late", "delay": 1.0}),
    ("server acts after the client gave up", {"action": "act_late", "delay": 0.8}),
    ("2xx body is not JSON", {"action": "garble", "raw_body": b"\x00\xffnot json"}),
    ("2xx body is HTML", {"action": "garble", "raw_body": "<html>ok</html>", "content_type": "text/html"}),
    ("2xx JSON under a wrong content type", {"action": "garble", "content_type": "text/plain"}),
    ("2xx body is empty", {"action": "garble", "raw_body": b""}),
    ("2xx body is a JSON list", {"action": "garble", "body": [{"_id": "0123456789abcdef01234567"}]}),
    ("2xx object without _id", {"action": "garble", "body": {"name": "outcome test"}}),
    ("2xx _id is null", {"action": "garble", "body": {"_id": None}}),
    ("2xx _id is empty", {"action": "garble", "body": {"_id": ""}}),
    ("2xx _id climbs out of the path", {"action": "garble", "body": {"_id": "../../flags"}}),
    ("2xx _id has a slash", {"action": "garble", "body": {"_id": "0123456789ab/cdef01234567"}}),
    ("2xx _id is a number", {"action": "garble", "body": {"_id": 12345}}),
]


@pytest.mark.parametrize(("case", "fault"), ACTED, ids=[case for case, _ in ACTED])
def test_an_answer_lost_late_or_unusable_is_an_unknown_outcome_and_never_resent(
    client: LaunchDarklyClient, emulator: Emulator, case: str, fault: dict[str, Any]
) -> None:
    emulator.inject_fault("POST", COLLECTION, **fault)
    before = time.time()
    with pytest.raises(OutcomeUnknownError) as unknown:
        client.create_subscription("msteams", BODY)
    after = time.time()
    error = unknown.value
    assert (error.method, error.path) == ("POST", COLLECTION)
    assert before <= error.sent_at <= after
    assert "may have been created" in str(error)
    assert error.__cause__ is None and error.__context__ is None  # no chained library traceback
    created = wait_for_subscriptions(emulator, 1)
    assert len(created) == 1 and posts(emulator) == 1  # acted once, never re-sent
    # The id's timestamp lets recovery tell this POST's subscription from older ones.
    assert subscription_id_created_at(created[0]["_id"]) >= int(error.sent_at) - 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_5xx_that_may_come_after_acting_is_an_unknown_outcome(
    client: LaunchDarklyClient, emulator: Emulator, status: int
) -> None:
    """A gateway's 502/504 (HTML page) or an application 500 may follow a completed insert."""
    emulator.inject_fault(
        "POST",
        COLLECTION,
        status=status,
        raw_body=GATEWAY_PAGE.format(status=status),
        content_type="text/html",
    )
    with pytest.raises(OutcomeUnknownError, match=f"HTTP {status}"):
        client.create_subscription("msteams", BODY)
    assert posts(emulator) == 1


def test_a_connection_dropped_before_acting_is_still_unknown_to_the_client(
    client: LaunchDarklyClient, emulator: Emulator
) -> None:
    """The client cannot tell a drop before acting from one after: it reports, it does not resend."""
    emulator.inject_fault("POST", COLLECTION, action="drop_before")
    with pytest.raises(OutcomeUnknownError):
        client.create_subscription("msteams", BODY)
    assert posts(emulator) == 1 and emulator.subscriptions() == []


@pytest.mark.parametrize(
    ("status", "headers"),
    [(429, {"Retry-After": "0"}), (503, {}), (503, {"Retry-After": "0"})],
)
def test_answers_that_say_nothing_was_done_are_retried_for_a_post(
    client: LaunchDarklyClient, emulator: Emulator, status: int, headers: dict[str, str]
) -> None:
    emulator.inject_fault("POST", COLLECTION, status=status, headers=headers)
    created = client.create_subscription("msteams", BODY)
    assert is_subscription_id(created.id)
    assert [r.status for r in emulator.requests] == [status, 201]
    assert [s["_id"] for s in emulator.subscriptions()] == [created.id]


def test_an_unsafe_patch_is_not_repeated_after_a_gateway_error(
    client: LaunchDarklyClient, emulator: Emulator
) -> None:
    """Removing an item twice would remove two: a 502 on such a PATCH is reported, not retried."""
    created = client.create_subscription("msteams", {**BODY, "tags": ["a", "b"]})
    path = f"{COLLECTION}/{created.id}"
    emulator.inject_fault("PATCH", path, status=502, raw_body=GATEWAY_PAGE, content_type="text/html")
    with pytest.raises(ServerError, match="HTTP 502"):
        client.patch_subscription("msteams", created.id, [{"op": "remove", "path": "/tags/0"}])
    assert sum(1 for r in emulator.requests if r.method == "PATCH") == 1


def test_sent_at_is_the_first_attempt_that_reached_the_server(emulator: Emulator) -> None:
    """A 503 was answered by the server (or a gateway): recovery's window starts there, not later."""
    retried_at: list[float] = []

    def sleep(seconds: float) -> None:
        retried_at.append(time.time())
        time.sleep(seconds)

    client = LaunchDarklyClient(
        emulator.url, TOKEN, timeout=(2.0, READ_TIMEOUT), sleep=sleep, rate_limits=RateLimitWindows()
    )
    emulator.inject_fault("POST", COLLECTION, status=503, headers={"Retry-After": "0.05"})
    emulator.inject_fault("POST", COLLECTION, action="drop_after")
    with pytest.raises(OutcomeUnknownError) as unknown:
        client.create_subscription("msteams", BODY)
    assert len(retried_at) == 1 and unknown.value.sent_at < retried_at[0]
    assert posts(emulator) == 2 and len(emulator.subscriptions()) == 1


@pytest.mark.parametrize(
    ("operation", "retried"),
    [
        ({"op": "add", "path": "/tags/-", "value": "c"}, False),
        ({"op": "add", "path": "/tags/0", "value": "c"}, False),
        ({"op": "replace", "path": "/tags", "value": ["a", "b", "c"]}, True),
        ({"op": "add", "path": "/on", "value": True}, True),
    ],
)
def test_a_lost_patch_answer_is_retried_only_when_applying_twice_changes_nothing(
    client: LaunchDarklyClient, emulator: Emulator, operation: dict[str, Any], retried: bool
) -> None:
    """An add into an array applied twice would insert twice: that loss is reported instead."""
    created = client.create_subscription("msteams", {**BODY, "tags": ["a", "b"]})
    emulator.inject_fault("PATCH", f"{COLLECTION}/{created.id}", action="drop_after")
    if retried:
        client.patch_subscription("msteams", created.id, [operation])
    else:
        with pytest.raises(ApiConnectionError):
            client.patch_subscription("msteams", created.id, [operation])
    assert sum(1 for r in emulator.requests if r.method == "PATCH") == (2 if retried else 1)
    assert emulator.subscriptions()[0]["tags"].count("c") <= 1

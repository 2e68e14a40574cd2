"""The API client over real HTTP: headers, typed errors, and where it retries (and where it must not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_ld_auditsubs import __version__
from pulumi_ld_auditsubs.api.client import (
    LaunchDarklyClient,
    RateLimitWindows,
    RetryPolicy,
    _session_for,
)
from pulumi_ld_auditsubs.api.settings import validate_host
from pulumi_ld_auditsubs.errors import (
    ApiConnectionError,
    AuthenticationError,
    BadRequestError,
    HostUnreachableError,
    MissingCredentialsError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-client-tests-42424242"
BODY = {
    "name": "client test",
    "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,), read_only_tokens=("api-read-only-1",)) as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(emulator: Emulator, waits: list[float]) -> LaunchDarklyClient:
    emulator.clear_requests()
    return LaunchDarklyClient(
        emulator.url,
        TOKEN,
        retry=RetryPolicy(max_attempts=4, jitter=lambda wait: 0.0, reset_margin=lambda: 0.0),
        sleep=waits.append,
        rate_limits=RateLimitWindows(),
    )


def test_every_request_carries_the_contract_headers(client: LaunchDarklyClient, emulator: Emulator) -> None:
    created = client.create_subscription("msteams", BODY)
    client.get_subscription("msteams", created.id)
    post, get = emulator.requests
    for recorded in (post, get):
        assert recorded.headers["LD-API-Version"] == "20240415"
        assert recorded.headers["User-Agent"] == f"pulumi-ld-auditsubs/{__version__}"
        assert recorded.headers["Authorization"] != TOKEN  # the emulator redacts it in its log
    assert post.headers["Content-Type"] == "application/json"
    assert "Content-Type" not in get.headers


def test_crud_round_trip(client: LaunchDarklyClient) -> None:
    created = client.create_subscription("msteams", BODY)
    assert any(item.id == created.id for item in client.list_subscriptions("msteams"))
    patched = client.patch_subscription(
        "msteams", created.id, [{"op": "replace", "path": "/on", "value": True}]
    )
    assert patched.on is True
    client.delete_subscription("msteams", created.id)
    with pytest.raises(NotFoundError):
        client.get_subscription("msteams", created.id)


def test_errors_are_typed_and_carry_launchdarklys_details(
    client: LaunchDarklyClient, emulator: Emulator
) -> None:
    with pytest.raises(BadRequestError) as bad:
        client.create_subscription("msteams", {**BODY, "config": {}})
    assert bad.value.status == 400 and bad.value.code == "invalid_request"
    assert "url" in bad.value.api_message and bad.value.request_id
    assert "POST /api/v2/integrations/msteams failed with HTTP 400 invalid_request" in str(bad.value)

    with pytest.raises(NotFoundError):
        client.get_subscription("msteams", "0123456789abcdef01234567")
    with pytest.raises(AuthenticationError) as unauthorized:
        LaunchDarklyClient(emulator.url, "api-not-a-real-token-777").list_subscriptions("msteams")
    assert "api-not-a-real-token-777" not in str(unauthorized.value)
    with pytest.raises(PermissionDeniedError):
        LaunchDarklyClient(emulator.url, "api-read-only-1").create_subscription("msteams", BODY)
    assert [r.status for r in emulator.requests] == [400, 404, 401, 403]  # none of these is retried


def test_missing_token_fails_before_any_request(emulator: Emulator) -> None:
    emulator.clear_requests()
    with pytest.raises(MissingCredentialsError, match=r"launchdarkly:accessToken.*LAUNCHDARKLY_ACCESS_TOKEN"):
        LaunchDarklyClient(emulator.url, None).list_subscriptions("msteams")
    assert emulator.requests == []


def test_429_waits_as_long_as_retry_after_says(
    client: LaunchDarklyClient, emulator: Emulator, waits: list[float]
) -> None:
    emulator.inject_fault("GET", "/api/v2/integrations/msteams", status=429, headers={"Retry-After": "3"})
    client.list_subscriptions("msteams")
    assert waits == [pytest.approx(3.0, abs=0.5)]
    assert [r.status for r in emulator.requests] == [429, 200]


def test_a_spent_window_is_waited_for_before_sending(emulator: Emulator, waits: list[float]) -> None:
    """Once X-Ratelimit-Route-Remaining says 0, the next request waits for the reset instead of a 429."""

    def clock() -> float:  # one fake clock for the emulator and the client: time stands still
        return 1_000.0

    with Emulator(tokens=(TOKEN,), rate_limit=2, clock=clock) as limited:
        client = LaunchDarklyClient(
            limited.url,
            TOKEN,
            retry=RetryPolicy(max_attempts=2, jitter=lambda w: 0.0, reset_margin=lambda: 0.0),
            sleep=waits.append,  # a fake sleep: the window has not really reset when the client sends
            rate_limits=RateLimitWindows(clock=clock),
        )
        client.list_subscriptions("msteams")
        client.list_subscriptions("msteams")
        assert waits == []
        with pytest.raises(RateLimitedError) as limited_error:
            client.list_subscriptions("msteams")
        statuses = [r.status for r in limited.requests]
    assert waits == [10.0, 10.0]  # the whole 10 s window, before each attempt
    assert statuses == [200, 200, 429, 429]  # each attempt waited for the reset first
    assert limited_error.value.code == "rate_limited"


def test_5xx_is_retried_then_reported(
    client: LaunchDarklyClient, emulator: Emulator, waits: list[float]
) -> None:
    emulator.inject_fault("GET", "/api/v2/integrations/msteams", status=503, times=4)
    with pytest.raises(ServerError):
        client.list_subscriptions("msteams")
    assert len(emulator.requests) == 4
    assert waits == [0.25, 0.5, 1.0]  # exponential backoff between the four attempts


def test_lost_get_response_is_retried(client: LaunchDarklyClient, emulator: Emulator) -> None:
    emulator.inject_fault("GET", "/api/v2/integrations/msteams", action="drop_before")
    assert isinstance(client.list_subscriptions("msteams"), list)
    assert len(emulator.requests) == 2


def test_lost_post_response_is_not_blindly_retried(client: LaunchDarklyClient, emulator: Emulator) -> None:
    before = len(emulator.subscriptions("msteams"))
    emulator.inject_fault("POST", "/api/v2/integrations/msteams", action="drop_after")
    with pytest.raises(OutcomeUnknownError, match="POST /api/v2/integrations/msteams"):
        client.create_subscription("msteams", BODY)
    assert len(emulator.subscriptions("msteams")) == before + 1  # created once, not twice
    assert len(emulator.requests) == 1


def test_refused_connection_is_retried_for_a_short_budget_then_names_the_host_setting() -> None:
    """Nothing listens: retried with backoff for REFUSED_RETRY_SECONDS (a restarting proxy), then an
    error that says what to check."""
    waits: list[float] = []
    client = LaunchDarklyClient(
        "http://127.0.0.1:9",
        TOKEN,
        retry=RetryPolicy(jitter=lambda w: 0.0),
        sleep=waits.append,
        rate_limits=RateLimitWindows(),
    )
    with pytest.raises(HostUnreachableError) as refused:
        client.create_subscription("msteams", BODY)
    assert waits == [0.25, 0.5, 1.0, 2.0, 4.0, 2.25]  # backoff, cut at REFUSED_RETRY_SECONDS in all
    message = str(refused.value)
    assert "cannot reach http://127.0.0.1:9" in message and "launchdarkly:apiHost" in message
    assert isinstance(refused.value, ApiConnectionError) and not isinstance(
        refused.value, OutcomeUnknownError
    )


def test_a_name_that_does_not_resolve_fails_at_once() -> None:
    waits: list[float] = []
    client = LaunchDarklyClient(
        "https://ld-auditsubs-test.invalid", TOKEN, sleep=waits.append, rate_limits=RateLimitWindows()
    )
    with pytest.raises(HostUnreachableError, match=r"ld-auditsubs-test\.invalid.*launchdarkly:apiHost"):
        client.list_subscriptions("msteams")
    assert len(waits) == 1


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("https://app.launchdarkly.com", True),
        ("https://app.eu.launchdarkly.com/", True),
        ("https://proxy.example.com/launchdarkly", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:8080", True),
        ("http://localhost:1234", True),
        ("http://app.launchdarkly.com", False),
        ("ftp://app.launchdarkly.com", False),
        ("app.launchdarkly.com", False),
    ],
)
def test_host_rules(host: str, ok: bool) -> None:
    if ok:
        assert not validate_host(host).endswith("/")
    else:
        with pytest.raises(ValueError, match="launchdarkly:apiHost"):
            validate_host(host)


def test_one_kept_alive_session_per_host_and_token(emulator: Emulator) -> None:
    """Every resource and worker thread of a deployment shares the connections of one session."""
    first = LaunchDarklyClient(emulator.url, TOKEN)
    second = LaunchDarklyClient(emulator.url + "/", TOKEN)
    other_token = LaunchDarklyClient(emulator.url, "api-read-only-1")
    assert _session_for(first.host, TOKEN) is _session_for(second.host, TOKEN)
    assert _session_for(first.host, TOKEN) is not _session_for(other_token.host, "api-read-only-1")
    assert TOKEN not in repr(first)

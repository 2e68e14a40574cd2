"""Rate limits in bulk: a time budget instead of an attempt count, and windows shared by every thread.

The bulk figures (100 creates, 10 per 10 s, 4 threads) are in ``benchmarks/ratelimit_bulk.py``; here a
tiny window proves the behaviour quickly over real sockets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_ld_auditsubs.api.client import (
    LaunchDarklyClient,
    RateLimitWindows,
    RetryPolicy,
    client_for,
)
from pulumi_ld_auditsubs.api.ratelimit import PROBE_PATIENCE_SECONDS
from pulumi_ld_auditsubs.api.settings import RETRY_TIMEOUT_ENV, ProviderSettings
from pulumi_ld_auditsubs.errors import LaunchDarklyError, RateLimitedError
from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.hostile import HostileServer

TOKEN = "api-rate-limit-tests-57721566"
COLLECTION = "/api/v2/integrations/msteams"


def body(name: str) -> dict[str, object]:
    return {
        "name": name,
        "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
    }


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


def test_threads_share_the_wait_for_a_spent_window_and_none_fails() -> None:
    """4 threads, 3 requests per 0.5 s: with 2 attempts each, a thread that raced on its own would fail."""
    per_window, creates = 3, 12
    windows = RateLimitWindows()
    with Emulator(tokens=(TOKEN,), rate_limit=per_window, rate_limit_window=0.5) as limited:
        client = LaunchDarklyClient(
            limited.url, TOKEN, retry=RetryPolicy(max_attempts=2), rate_limits=windows
        )
        with ThreadPoolExecutor(max_workers=4) as pool:
            created = list(
                pool.map(lambda i: client.create_subscription("msteams", body(f"bulk {i}")), range(creates))
            )
        statuses = [r.status for r in limited.requests]
        stored = limited.subscriptions("msteams")
    assert sorted(s["_id"] for s in stored) == sorted(c.id for c in created)  # all made, none twice
    assert statuses.count(201) == creates
    assert statuses.count(429) <= math.ceil(creates / per_window)  # no more 429s than windows


def test_a_probe_that_never_answers_holds_the_route_for_seconds_not_for_the_budget(
    emulator: Emulator,
) -> None:
    """The first request on a route goes alone; a stalled one must not make the next wait out its budget
    (and fail as if rate-limited)."""
    seed = LaunchDarklyClient(emulator.url, TOKEN)
    stalled, answered = (seed.create_subscription("msteams", body(name)) for name in ("stalled", "answered"))
    budget = 30.0
    with ThreadPoolExecutor(max_workers=1) as pool:
        with HostileServer(emulator.url) as hostile:
            hostile.answer("GET", f"{COLLECTION}/{stalled.id}", "stall", times=None)
            client = LaunchDarklyClient(
                hostile.url,
                TOKEN,
                retry=RetryPolicy(budget_seconds=budget, max_attempts=2),
                rate_limits=RateLimitWindows(),
            )
            probe = pool.submit(client.get_subscription, "msteams", stalled.id)
            while not hostile.served:  # the stalled request is in flight: it probes the route's window
                time.sleep(0.01)
            started = time.monotonic()
            assert client.get_subscription("msteams", answered.id).name == "answered"
            waited = time.monotonic() - started
        with pytest.raises(LaunchDarklyError):  # the hostile server is gone: the probe fails on its own
            probe.result()
    assert PROBE_PATIENCE_SECONDS - 0.1 < waited < budget / 3  # held while the probe was young, no longer


def test_a_window_that_resets_after_the_budget_fails_without_sending() -> None:
    with Emulator(tokens=(TOKEN,), rate_limit=1, rate_limit_window=60) as limited:
        client = LaunchDarklyClient(
            limited.url, TOKEN, retry=RetryPolicy(budget_seconds=0.5), rate_limits=RateLimitWindows()
        )
        client.list_subscriptions("msteams")
        with pytest.raises(RateLimitedError) as spent:
            client.list_subscriptions("msteams")
        assert len(limited.requests) == 1  # the spent window was not tried again
    assert RETRY_TIMEOUT_ENV in str(spent.value) and "ld-auditsubs:retryTimeoutSeconds" in str(spent.value)


def test_the_budget_comes_from_the_stack_then_the_environment_then_the_default(emulator: Emulator) -> None:
    def budget(config: dict[str, str], environ: dict[str, str]) -> float:
        return client_for(ProviderSettings.resolve(config, environ)).retry.budget_seconds

    stack = {"ld-auditsubs:retryTimeoutSeconds": "7"}
    assert budget({}, {}) == 300
    assert budget({}, {RETRY_TIMEOUT_ENV: "42.5"}) == 42.5
    assert budget(stack, {RETRY_TIMEOUT_ENV: "42.5"}) == 7
    for bad in ("soon", "0", "-5", "nan", "inf", "1e9"):
        with pytest.raises(ValueError, match=RETRY_TIMEOUT_ENV):
            budget({}, {RETRY_TIMEOUT_ENV: bad})


def fake_sleep_client(url: str, waits: list[float]) -> LaunchDarklyClient:
    return LaunchDarklyClient(
        url,
        TOKEN,
        retry=RetryPolicy(jitter=lambda wait: 0.0, reset_margin=lambda: 0.0),
        sleep=waits.append,
        rate_limits=RateLimitWindows(),
    )


def test_a_spent_global_window_holds_every_route(emulator: Emulator) -> None:
    waits: list[float] = []
    client = fake_sleep_client(emulator.url, waits)
    reset_ms = str(int((time.time() + 2) * 1000))
    emulator.inject_fault(
        "GET",
        COLLECTION,
        status=200,
        body={"items": []},
        headers={"X-Ratelimit-Global-Remaining": "0", "X-Ratelimit-Reset": reset_ms},
    )
    assert client.list_subscriptions("msteams") == []
    created = client.create_subscription("msteams", body("after the global window"))  # another route
    assert created.name == "after the global window"
    assert waits == [pytest.approx(2.0, abs=0.5)]


def test_retry_after_holds_the_host(emulator: Emulator) -> None:
    waits: list[float] = []
    client = fake_sleep_client(emulator.url, waits)
    emulator.inject_fault("POST", COLLECTION, status=429, headers={"Retry-After": "2"})
    client.create_subscription("msteams", body("ip limited"))
    assert waits == [pytest.approx(2.0, abs=0.5)]
    assert [r.status for r in emulator.requests] == [429, 201]


def test_a_reset_time_in_the_past_backs_off_instead_of_spinning(emulator: Emulator) -> None:
    """LaunchDarkly sometimes sends a reset in the past: wait a backoff, not zero."""
    waits: list[float] = []
    client = fake_sleep_client(emulator.url, waits)
    past = str(int((time.time() - 60) * 1000))
    emulator.inject_fault(
        "GET",
        COLLECTION,
        status=429,
        headers={"X-Ratelimit-Route-Remaining": "0", "X-Ratelimit-Reset": past},
        times=2,
    )
    client.list_subscriptions("msteams")
    assert len(waits) == 2 and all(wait > 0.1 for wait in waits)
    assert [r.status for r in emulator.requests] == [429, 429, 200]

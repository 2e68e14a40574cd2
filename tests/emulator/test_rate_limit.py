"""Per-route rate limiting: 429 rate_limited with LaunchDarkly's headers or Retry-After."""

from __future__ import annotations

import time

import pytest

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.emulator.ratelimit import RateLimiter

from ._support import Api, assert_error

RATE_LIMIT_MESSAGE = "You've exceeded the API rate limit. Try again later."


def test_requests_over_the_limit_get_429_with_route_headers() -> None:
    with Emulator(rate_limit=3) as emulator:
        api = Api(emulator)
        started_ms = time.time() * 1000
        remaining = []
        for _ in range(3):
            response = api.list()
            assert response.status_code == 200
            remaining.append(response.headers["X-Ratelimit-Route-Remaining"])
            assert int(response.headers["X-Ratelimit-Reset"]) >= started_ms
        assert remaining == ["2", "1", "0"]
        limited = api.list()
        assert_error(limited, 429, "rate_limited", RATE_LIMIT_MESSAGE)
        assert limited.headers["X-Ratelimit-Route-Remaining"] == "0"
        reset_ms = int(limited.headers["X-Ratelimit-Reset"])
        assert reset_ms >= started_ms + 10_000
        assert "Retry-After" not in limited.headers


def test_the_limit_is_per_route_verb_and_pattern() -> None:
    with Emulator(rate_limit=1) as emulator:
        api = Api(emulator)
        created = api.created()
        assert_error(api.create(), 429, "rate_limited")
        assert api.list().status_code == 200
        assert_error(api.list("honeycomb"), 429, "rate_limited")
        assert api.get("datadog", created["_id"]).status_code == 200
        assert_error(api.get("datadog", created["_id"]), 429, "rate_limited")
        patch = [{"op": "replace", "path": "/on", "value": False}]
        assert api.patch("datadog", created["_id"], patch).status_code == 200
        assert api.delete("datadog", created["_id"]).status_code == 204
        assert len(emulator.subscriptions()) == 0


def test_a_rate_limited_request_does_not_act() -> None:
    with Emulator(rate_limit=1) as emulator:
        api = Api(emulator)
        api.created()
        assert api.create().status_code == 429
        assert len(emulator.subscriptions()) == 1


def test_retry_after_mode_sends_whole_seconds_instead() -> None:
    with Emulator(rate_limit=1, rate_limit_mode="retry-after") as emulator:
        api = Api(emulator)
        first = api.list()
        assert first.headers["X-Ratelimit-Route-Remaining"] == "0"
        limited = api.list()
        assert_error(limited, 429, "rate_limited", RATE_LIMIT_MESSAGE)
        assert 1 <= int(limited.headers["Retry-After"]) <= 10
        assert "X-Ratelimit-Reset" not in limited.headers


def test_the_window_slides() -> None:
    clock = FakeClock()
    with Emulator(rate_limit=1, rate_limit_window=10, clock=clock) as emulator:
        api = Api(emulator)
        assert api.list().status_code == 200
        clock.now += 9.9
        assert api.list().status_code == 429
        clock.now += 0.2
        assert api.list().status_code == 200


def test_no_rate_limit_headers_when_rate_limiting_is_off(api: Api) -> None:
    for _ in range(30):
        response = api.list()
        assert response.status_code == 200
    assert "X-Ratelimit-Route-Remaining" not in response.headers
    assert "X-Ratelimit-Reset" not in response.headers


def test_errors_within_the_limit_carry_rate_limit_headers() -> None:
    with Emulator(rate_limit=5) as emulator:
        response = Api(emulator).get("datadog", "fake-id")
        assert response.status_code == 404
        assert response.headers["X-Ratelimit-Route-Remaining"] == "4"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_counts_a_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, window_seconds=10, clock=clock)
    assert limiter.check("GET /x").headers == {
        "X-Ratelimit-Route-Remaining": "1",
        "X-Ratelimit-Reset": "1010000",
    }
    clock.now += 4
    assert limiter.check("GET /x").allowed
    clock.now += 4
    denied = limiter.check("GET /x")
    assert not denied.allowed
    assert denied.headers == {"X-Ratelimit-Route-Remaining": "0", "X-Ratelimit-Reset": "1010000"}
    assert limiter.check("POST /x").allowed
    clock.now += 2.5
    assert limiter.check("GET /x").allowed
    assert not limiter.check("GET /x").allowed
    limiter.reset()
    assert limiter.check("GET /x").allowed


def test_limiter_retry_after_rounds_up_to_whole_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window_seconds=10, mode="retry-after", clock=clock)
    limiter.check("GET /x")
    clock.now += 8.5
    assert limiter.check("GET /x").headers == {"Retry-After": "2"}
    clock.now += 1.4
    assert limiter.check("GET /x").headers == {"Retry-After": "1"}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"limit": 0}, "at least 1"),
        ({"limit": 1, "window_seconds": 0}, "window"),
        ({"limit": 1, "mode": "ip"}, "mode"),
    ],
)
def test_limiter_rejects_bad_settings(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        RateLimiter(**kwargs)  # type: ignore[arg-type]

"""Per-route rate limiting: at most ``limit`` requests per route within a sliding window.

A route is verb + URL template (LaunchDarkly's definition). Only requests that were let through count
against the window. Over the limit, the answer is 429 ``rate_limited`` with either LaunchDarkly's route
headers (``X-Ratelimit-Route-Remaining: 0`` and ``X-Ratelimit-Reset`` in epoch milliseconds, mode
``"route"``) or an IP-limit style ``Retry-After`` in whole seconds (mode ``"retry-after"``). Requests
let through carry ``X-Ratelimit-Route-Remaining`` and ``X-Ratelimit-Reset`` in both modes.

Not emulated: the account-wide global limit (``X-Ratelimit-Global-Remaining``), per-token accounting
(all tokens share one budget) and LaunchDarkly's occasional reset times in the past.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RateLimitMode = Literal["route", "retry-after"]
RATE_LIMIT_MODES: tuple[RateLimitMode, ...] = ("route", "retry-after")
DEFAULT_WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class Decision:
    """Whether one request may proceed, and the headers to send with the answer."""

    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """A thread-safe sliding-window request counter per route key."""

    def __init__(
        self,
        limit: int,
        *,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        mode: RateLimitMode = "route",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1:
            raise ValueError("rate limit must be at least 1 request per window")
        if window_seconds <= 0:
            raise ValueError("rate limit window must be positive")
        if mode not in RATE_LIMIT_MODES:
            raise ValueError(f"rate limit mode must be one of {', '.join(RATE_LIMIT_MODES)}")
        self.limit = limit
        self.window_seconds = window_seconds
        self.mode: RateLimitMode = mode
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, route_key: str) -> Decision:
        """Count one request on ``route_key`` if the window allows it."""
        with self._lock:
            now = self._clock()
            hits = self._hits.setdefault(route_key, deque())
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            reset = hits[0] + self.window_seconds
            remaining = self.limit - len(hits)
        reset_ms = str(math.ceil(reset * 1000))
        if allowed or self.mode == "route":
            return Decision(
                allowed, {"X-Ratelimit-Route-Remaining": str(remaining), "X-Ratelimit-Reset": reset_ms}
            )
        return Decision(False, {"Retry-After": str(max(1, math.ceil(reset - now)))})

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._hits.clear()

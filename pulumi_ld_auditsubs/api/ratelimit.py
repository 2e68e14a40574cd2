"""Rate-limit windows shared by every client and thread of the provider process.

LaunchDarkly limits per route (verb + URL template) and per account and says what is left in its
answers' headers; :class:`RateLimitWindows` turns those answers into waits so that parallel steps
share one budget instead of each spending its own retries. The client (:mod:`.client`) enters a
window before each request and leaves it with the answer.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["PROBE_PATIENCE_SECONDS", "RATE_LIMITS", "Answer", "RateLimitWindows", "retry_after_seconds"]

log = logging.getLogger(__name__)

ANNOUNCE_WAIT_SECONDS = 2.0
"""A rate-limit wait at least this long is logged (once per spent window, whichever thread waits first)."""

PROBE_PATIENCE_SECONDS = 2.0
"""How long requests wait for the probe of an unknown window to answer before one more goes anyway.

LaunchDarkly answers in well under a second; a probe still unanswered after this long is held by
something else (a stalled proxy, a dripping body), and it must not hold every other request to its
route until their budgets run out and they fail as if rate-limited."""


class Answer(Protocol):
    """The part of an HTTP answer rate limiting reads (a ``requests.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def retry_after_seconds(response: Answer) -> float | None:
    """``Retry-After`` in seconds; None when absent or not a non-negative number (an HTTP date included)."""
    raw: str | None = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _int_header(response: Answer, name: str) -> int | None:
    raw: str | None = response.headers.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _reset_header(response: Answer) -> float | None:
    """``X-Ratelimit-Reset`` (epoch milliseconds) as epoch seconds."""
    raw: str | None = response.headers.get("X-Ratelimit-Reset")
    try:
        seconds = float(raw) / 1000.0 if raw is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) else None


@dataclass
class _Window:
    """What the server last said about one rate-limit window."""

    remaining: int | None = None
    """Requests left before ``reset_at``; None when the server gave no figure (no limit known)."""
    reset_at: float = 0.0
    """Epoch seconds when the window frees up (slots only ever free up with time)."""
    in_flight: int = 0
    seen: bool = False
    """Whether an answer on this window has arrived yet; until then one request at a time probes it."""
    probe_sent_at: float = -math.inf
    """When the latest probe (a request sent while the window was unknown or over) went."""

    def awaiting_probe(self, now: float) -> bool:
        """Whether a probe is in flight that was sent less than :data:`PROBE_PATIENCE_SECONDS` ago."""
        return self.in_flight >= 1 and now - self.probe_sent_at < PROBE_PATIENCE_SECONDS


class RateLimitWindows:
    """Rate-limit state per (host, route) and per host, shared by every client and thread of a process.

    LaunchDarkly limits per route (verb + URL template) and per account, and says what is left in
    ``X-Ratelimit-Route-Remaining`` / ``X-Ratelimit-Global-Remaining`` with ``X-Ratelimit-Reset``
    (epoch ms), or sends ``Retry-After`` seconds for its IP limit. Once a window is spent, every
    thread waits for its reset instead of spending its own retries; the first request on a window
    goes alone, so its answer says what is left before others follow; while requests are left, no more
    requests are put in flight than the server said are left; after a reset, one request probes the
    new window before the others follow. A probe that has not answered within
    :data:`PROBE_PATIENCE_SECONDS` holds the others no longer: the next request goes (and probes).
    A thread that has slept until a reset counts that window as over even if the clock disagrees (a
    test's fake sleep, a skewed server clock): it never sleeps twice for the same reset, and a 429
    then tells it the next one.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._announced: dict[tuple[str, str], float] = {}
        """The reset each window's wait was last logged for: one line per spent window, not per thread."""

    def reset(self) -> None:
        """Forget every window (tests)."""
        with self._changed:
            self._windows.clear()
            self._announced.clear()

    def enter(
        self,
        keys: Sequence[tuple[str, str]],
        *,
        time_left: Callable[[], float],
        sleep: Callable[[float], None],
        margin: Callable[[], float],
    ) -> bool:
        """Wait until a request on ``keys`` may go, and count it in flight; False if the budget runs out."""
        waited_for: dict[tuple[str, str], float] = {}  # the reset each window had when this thread slept
        with self._changed:
            while True:
                now = self._clock()
                windows = [self._windows.setdefault(key, _Window()) for key in keys]
                wait, full = 0.0, False
                probed: list[_Window] = []  # unknown or over: a request sent now probes them
                for key, window in zip(keys, windows, strict=True):
                    if window.remaining is None:
                        if not window.seen:
                            probed.append(window)
                            full = full or window.awaiting_probe(now)
                        continue
                    if now < window.reset_at and window.reset_at > waited_for.get(key, -math.inf):
                        if window.remaining == 0:
                            wait = max(wait, window.reset_at - now)
                        elif window.in_flight >= window.remaining:
                            full = True
                    else:  # a new window: let the probe's answer say how much is left
                        probed.append(window)
                        full = full or (
                            window.in_flight >= max(window.remaining, 1) and window.awaiting_probe(now)
                        )
                if wait > 0:
                    if wait > time_left():
                        return False
                    for key, window in zip(keys, windows, strict=True):
                        if window.remaining == 0:
                            waited_for[key] = window.reset_at
                    announcement = self._announcement(keys, windows, wait)
                    self._changed.release()
                    try:
                        if announcement is not None:  # logged outside the lock: a handler may be slow
                            log.info("%s", announcement)
                        sleep(wait + margin())
                    finally:
                        self._changed.acquire()
                    continue
                if full:
                    if time_left() <= 0:
                        return False
                    self._changed.wait(timeout=min(0.5, max(0.01, time_left())))
                    continue
                for window in probed:
                    window.probe_sent_at = now
                for window in windows:
                    window.in_flight += 1
                return True

    def _announcement(
        self, keys: Sequence[tuple[str, str]], windows: Sequence[_Window], wait: float
    ) -> str | None:
        """The line that tells of a long wait, once per spent window: its route (or host) and seconds."""
        if wait < ANNOUNCE_WAIT_SECONDS:
            return None
        key, window = max(
            ((k, w) for k, w in zip(keys, windows, strict=True) if w.remaining == 0),
            key=lambda pair: pair[1].reset_at,
        )
        if self._announced.get(key) == window.reset_at:
            return None
        self._announced[key] = window.reset_at
        host, route = key
        what = f"every route of {host}" if route == "*" else f"{route} at {host}"
        return f"rate limit of {what} reached: waiting {wait:.0f} s for its window to reset"

    def leave(
        self,
        keys: Sequence[tuple[str, str]],
        response: Answer | None,
        *,
        host_key: tuple[str, str],
        route_key: tuple[str, str],
        fallback_wait: float,
    ) -> None:
        """Count the request done and learn from its answer's rate-limit headers (None: no answer)."""
        with self._changed:
            for key in keys:
                self._windows[key].in_flight -= 1
                self._windows[key].seen |= response is not None
            if response is not None:
                self._learn(response, host_key, route_key, fallback_wait)
            self._changed.notify_all()

    def _learn(
        self,
        response: Answer,
        host_key: tuple[str, str],
        route_key: tuple[str, str],
        fallback_wait: float,
    ) -> None:
        now = self._clock()
        reset = _reset_header(response)
        route_left = _int_header(response, "X-Ratelimit-Route-Remaining")
        global_left = _int_header(response, "X-Ratelimit-Global-Remaining")
        limited = response.status_code == 429
        retry_after = retry_after_seconds(response) if limited else None
        if route_left is not None:
            self._observe(self._windows[route_key], route_left, reset, now, fallback_wait)
        if global_left is not None:
            self._observe(self._windows[host_key], global_left, reset, now, fallback_wait)
        if retry_after is not None:
            self._observe(self._windows[host_key], 0, now + retry_after, now, fallback_wait)
        elif limited and route_left is None and global_left is None:
            self._observe(self._windows[route_key], 0, reset, now, fallback_wait)

    @staticmethod
    def _observe(window: _Window, left: int, reset: float | None, now: float, fallback_wait: float) -> None:
        if reset is None or reset <= now:
            # No reset time, or one in the past: a late answer about a window that is over, or
            # LaunchDarkly's occasional past reset. Requests left say nothing new; a spent window
            # is waited out with a backoff.
            if left > 0:
                return
            reset = now + fallback_wait
        if window.remaining is not None and now < window.reset_at and left > window.remaining:
            return  # an older answer that arrived late, or a slot freed early: keep the cautious figure
        window.remaining, window.reset_at = max(0, left), reset


RATE_LIMITS = RateLimitWindows()
"""The process-wide rate-limit state every :class:`LaunchDarklyClient` shares by default."""

"""Fault injection: canned answers, dropped connections, slow and garbled answers for the next requests.

A fault matches a request when its method (an ``fnmatch`` glob, case-insensitive; ``"*"`` for any)
and its path pattern (an ``fnmatch`` glob against the path without query string) both match. Faults
are consulted in the order they were added; each applies to its next ``times`` matching requests.
Every action first waits ``delay`` seconds (default 0).

Actions:

* ``"respond"``: answer ``status`` with ``body`` (default: an error body whose ``code`` matches the
  status) and ``headers``, without touching the state. ``raw_body`` (bytes or text) replaces the JSON
  body with exactly those bytes and ``content_type`` sets the ``Content-Type`` (none when
  ``raw_body`` is given without it): an HTML 404 page, a gateway's 502/504 page, or a redirect
  (``status=301..308`` with ``headers={"Location": ...}``);
* ``"drop_before"``: close the connection without acting and without answering;
* ``"drop_after"``: act (state changes), then close the connection without answering;
* ``"act_late"``: wait ``delay``, then act and answer normally. With a delay longer than the
  client's read timeout, the server completes the request *after* the client gave up;
* ``"answer_late"``: act at once, then answer normally after ``delay`` (a slow answer);
* ``"garble"``: act normally, keep the status, then replace the answer's body with ``raw_body``
  (bytes; ``b""`` for an empty body) or ``body`` (any JSON: a list, an object without ``_id`` or with
  a bad one), and/or its ``Content-Type`` with ``content_type``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

FaultAction = Literal["respond", "drop_before", "drop_after", "act_late", "answer_late", "garble"]
FAULT_ACTIONS: tuple[FaultAction, ...] = (
    "respond",
    "drop_before",
    "drop_after",
    "act_late",
    "answer_late",
    "garble",
)
MAX_DELAY_SECONDS = 600.0


@dataclass
class Fault:
    """One injected fault and how many more requests it applies to."""

    method: str
    path_pattern: str
    action: FaultAction
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    remaining: int = 1
    delay: float = 0.0
    raw_body: bytes | None = None
    content_type: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return fnmatchcase(method.upper(), self.method.upper()) and fnmatchcase(path, self.path_pattern)


class FaultPlan:
    """The pending faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        action: FaultAction = "respond",
        times: int = 1,
        delay: float = 0.0,
        raw_body: bytes | str | None = None,
        content_type: str | None = None,
    ) -> Fault:
        """Queue a fault (see the module docstring)."""
        if action not in FAULT_ACTIONS:
            raise ValueError(f"fault action must be one of {', '.join(FAULT_ACTIONS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        if not 0 <= delay <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay must be between 0 and {MAX_DELAY_SECONDS:g} seconds")
        if action in ("act_late", "answer_late") and delay <= 0:
            raise ValueError(f"the {action} action needs a positive delay")
        if content_type is not None and any(ch in content_type for ch in "\r\n"):
            raise ValueError("content_type must be a single header line")
        if action == "respond" and status is None:
            status = 500
        raw = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        fault = Fault(
            method, path_pattern, action, status, body, dict(headers or {}), times, delay, raw, content_type
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

"""Fault injection: canned answers and dropped connections for the next matching requests.

A fault matches a request when its method (an ``fnmatch`` glob, case-insensitive; ``"*"`` for any)
and its path pattern (an ``fnmatch`` glob against the path without query string) both match. Faults
are consulted in the order they were added; each applies to its next ``times`` matching requests.

Actions:

* ``"respond"``: answer ``status`` with ``body`` (default: an error body whose ``code`` matches the
  status) and ``headers``, without touching the state;
* ``"drop_before"``: close the connection without acting and without answering;
* ``"drop_after"``: act (state changes), then close the connection without answering.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

FaultAction = Literal["respond", "drop_before", "drop_after"]
FAULT_ACTIONS: tuple[FaultAction, ...] = ("respond", "drop_before", "drop_after")


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
    ) -> Fault:
        """Queue a fault (see the module docstring)."""
        if action not in FAULT_ACTIONS:
            raise ValueError(f"fault action must be one of {', '.join(FAULT_ACTIONS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        if action == "respond" and status is None:
            status = 500
        fault = Fault(method, path_pattern, action, status, body, dict(headers or {}), times)
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

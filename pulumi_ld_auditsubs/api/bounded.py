"""Bounded exchanges: a deadline on every exchange and a cap on every answer's decoded size.

A socket read timeout bounds one read, not an exchange: an answer dripped at one byte per half
second never trips it, and an answer of gigabytes (or a small gzip body that inflates to them) is
read whole. So the client (:mod:`.client`) sends every request through :class:`BoundedAdapter` and
reads every body with :func:`read_body`:

* **Deadline.** :data:`WATCHDOG` holds, per in-flight exchange, the connection it runs on and the
  moment its retry budget ends. At that moment it shuts the socket down from its own thread, so
  whatever read is blocked there (status line, headers, a body of any framing, TLS) returns at once.
  The connection is attached when the pool hands it out (:class:`_WatchedPool`), so the headers are
  covered too, and a connection handed to another exchange is never cut for this one.
* **Cap.** The body is streamed through urllib3's own decoding (gzip and deflate, multi-member gzip
  included) in chunks of :data:`CHUNK_BYTES`, and reading stops as soon as the decoded total passes
  the cap; a plain body whose ``Content-Length`` is already above it is not read at all. urllib3
  2.6 and later bound each chunk's decompression by the chunk size; earlier 2.x bound it by one
  read of compressed bytes times the compression ratio (a few tens of MiB for gzip), so the peak
  stays bounded either way.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

__all__ = [
    "CHUNK_BYTES",
    "WATCHDOG",
    "BodyTooLarge",
    "BoundedAdapter",
    "Watch",
    "Watchdog",
    "read_body",
]

CHUNK_BYTES = 64 * 1024
"""Decoded bytes read at a time: a subscription answer is one or two chunks."""


@dataclass(eq=False)
class Watch:
    """One exchange under watch: until when it may run, and the connection it runs on."""

    deadline: float
    """On the watchdog's clock (``time.monotonic``)."""
    connection: Any = None
    """The urllib3 connection the pool handed to this exchange (None before, or once it moved on)."""
    fired: bool = False
    """The deadline passed while the exchange was still running: its socket was shut down."""


@dataclass
class Watchdog:
    """One thread that cuts every exchange still running at its deadline (shared by the process).

    Arming and disarming cost a lock and a dict operation; the thread sleeps until the earliest
    deadline and is woken only when an exchange with an earlier one is armed, so the common case
    (every exchange finishing long before its budget) costs no wake-up at all.
    """

    clock: Callable[[], float] = time.monotonic
    _armed: dict[int, Watch] = field(default_factory=dict)
    _by_connection: dict[int, Watch] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _wakes_at: float | None = None
    _thread: threading.Thread | None = None
    _current: threading.local = field(default_factory=threading.local)

    def arm(self, deadline: float) -> Watch:
        """Watch the exchange this thread is about to send; the pool attaches its connection."""
        watch = Watch(deadline)
        with self._changed:
            self._armed[id(watch)] = watch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ld-auditsubs-deadlines", daemon=True)
                self._thread.start()
            if self._wakes_at is None or deadline < self._wakes_at:
                self._changed.notify()
        self._current.watch = watch
        return watch

    def disarm(self, watch: Watch) -> None:
        """The exchange is over (answered, failed or cut): never touch its connection again."""
        self._current.watch = None
        with self._changed:
            self._armed.pop(id(watch), None)
            if watch.connection is not None:
                self._by_connection.pop(id(watch.connection), None)
                watch.connection = None

    def attach(self, connection: object) -> None:
        """Called by the pool as it hands ``connection`` to this thread's armed exchange, if any."""
        watch: Watch | None = getattr(self._current, "watch", None)
        with self._changed:
            previous = self._by_connection.pop(id(connection), None)
            if previous is not None:  # a kept-alive connection moving on from an earlier exchange
                previous.connection = None
            if watch is not None and id(watch) in self._armed:
                watch.connection = connection
                self._by_connection[id(connection)] = watch

    def _run(self) -> None:
        with self._changed:
            while True:
                now = self.clock()
                due = [watch for watch in self._armed.values() if watch.deadline <= now]
                for watch in due:
                    del self._armed[id(watch)]
                    watch.fired = True
                    if watch.connection is not None:
                        self._by_connection.pop(id(watch.connection), None)
                        _shut_down(watch.connection)
                        watch.connection = None
                self._wakes_at = min((watch.deadline for watch in self._armed.values()), default=None)
                self._changed.wait(None if self._wakes_at is None else max(0.0, self._wakes_at - now))

    def _after_fork(self) -> None:
        """A forked child has no watchdog thread, and the lock may have been held: start afresh."""
        self._armed, self._by_connection = {}, {}
        self._changed, self._wakes_at, self._thread = threading.Condition(), None, None
        self._current = threading.local()


def _shut_down(connection: object) -> None:
    """Shut the connection's socket down, so a read blocked on it in another thread returns at once.

    ``socket.socket.shutdown`` itself, not ``SSLSocket.shutdown`` (which also drops the TLS state
    the blocked reader is using); for TLS inside a TLS proxy tunnel, the tunnel's own socket.
    """
    sock = getattr(connection, "sock", None)
    sock = getattr(sock, "socket", sock) if not isinstance(sock, socket.socket) else sock
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # already closed: nothing left to cut
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


WATCHDOG = Watchdog()
"""The process's one watchdog (the provider's worker threads and the plugin's share it)."""
if hasattr(os, "register_at_fork"):  # the local engine forks its operations from a warm interpreter
    os.register_at_fork(after_in_child=WATCHDOG._after_fork)


class _WatchedPool(HTTPConnectionPool):
    """Hands each connection to the watchdog as the exchange takes it from the pool."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)
        WATCHDOG.attach(connection)
        return connection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)
        WATCHDOG.attach(connection)
        return connection


_POOL_CLASSES: Mapping[str, type[HTTPConnectionPool]] = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class BoundedAdapter(HTTPAdapter):
    """requests' adapter whose pools (direct and through a proxy) report connections to the watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watched(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return _watched(super().proxy_manager_for(proxy, **proxy_kwargs))


def _watched(manager: PoolManager) -> PoolManager:
    manager.pool_classes_by_scheme = dict(_POOL_CLASSES)  # urllib3 reads it per new pool
    return manager


class BodyTooLarge(Exception):
    """The answer passed the cap; ``received`` decoded bytes had been read (0: refused by its length)."""

    def __init__(self, received: int, declared: int | None) -> None:
        super().__init__(received, declared)
        self.received = received
        self.declared = declared


def read_body(response: requests.Response, cap: int, progress: list[int]) -> bytes:
    """The whole decoded body of a streamed ``response``, or :class:`BodyTooLarge` past ``cap`` bytes.

    ``progress[0]`` counts the decoded bytes received so far (the caller reports it when the read is
    cut). Exceptions of urllib3 while reading propagate (the caller describes them).
    """
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    declared = response.headers.get("Content-Length")
    declared_bytes = int(declared) if declared is not None and declared.strip().isdigit() else None
    if encoding == "identity" and declared_bytes is not None and declared_bytes > cap:
        raise BodyTooLarge(0, declared_bytes)
    chunks: list[bytes] = []
    total = 0
    for chunk in response.raw.stream(CHUNK_BYTES, decode_content=True):
        total += len(chunk)
        progress[0] = total
        if total > cap:
            raise BodyTooLarge(total, declared_bytes)
        chunks.append(chunk)
    return b"".join(chunks)

"""A hostile HTTP server in front of the emulator: a proxy, captive portal or broken load balancer.

:class:`HostileServer` forwards every request to an upstream (the emulator) and relays its answer,
except for the requests told to misbehave with :meth:`HostileServer.answer`:

* ``"huge"``: 4 GiB of JSON whitespace with a ``Content-Length`` that says so;
* ``"huge_chunked"``: the same, chunked (no length said up front), streamed until the client leaves;
* ``"gzip_bomb"``: about 2 MiB of gzip that inflates to 2 GiB (``Content-Encoding: gzip``);
* ``"deflate_bomb"``: the same as one zlib stream (``Content-Encoding: deflate``);
* ``"drip"``: the real answer, padded in front with whitespace, one byte every ``drip_interval``;
* ``"stall"``: the real answer's status and headers, then nothing until the client leaves.

With ``forward=True`` (the default) the upstream acts first and only its answer is replaced, as when
a proxy mangles LaunchDarkly's answer to a POST that did create the subscription; ``forward=False``
answers without the upstream ever seeing the request. Nothing large is ever built in memory: bodies
come from generators, and each bomb is generated once per process from one compressed block.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.client
import select
import socket
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["BOMB_INFLATED_BYTES", "HUGE_BYTES", "HostileAnswer", "HostileKind", "HostileServer"]

HostileKind = Literal["huge", "huge_chunked", "gzip_bomb", "deflate_bomb", "drip", "stall"]

HUGE_BYTES = 4 << 30
"""What ``"huge"`` answers claim and stream: 4 GiB."""
_BLOCK = b" " * (16 << 20)
"""The bombs' repeated unit: 16 MiB of JSON whitespace, compressed once."""
_REPEATS = 128
BOMB_INFLATED_BYTES = len(_BLOCK) * _REPEATS
"""What each bomb inflates to: 2 GiB."""
_STREAM_CHUNK = b" " * (1 << 20)
_RELAYED_HEADERS = ("content-type", "retry-after", "x-ratelimit-")


@dataclass
class HostileAnswer:
    """How to answer the next ``times`` requests matching ``method`` and ``path`` (None: all of them)."""

    method: str
    path: str
    kind: HostileKind
    forward: bool = True
    times: int | None = 1


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """Multi-member gzip (RFC 1952 allows it; every decoder reads on): 128 members of 16 MiB each."""
    return gzip.compress(_BLOCK, compresslevel=9, mtime=0) * _REPEATS


@functools.lru_cache(maxsize=1)
def deflate_bomb() -> bytes:
    """One zlib stream of 2 GiB of whitespace: a header, one full-flushed block repeated, a trailer.

    After ``Z_FULL_FLUSH`` the compressor forgets its history, so compressing the same block again
    gives the same bytes: the stream is that segment 128 times, then a final empty block and the
    Adler-32 of the whole input (computed in closed form for n spaces).
    """
    compressor = zlib.compressobj(9)
    first = compressor.compress(_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH)
    header, segment = first[:2], first[2:]
    n = BOMB_INFLATED_BYTES
    low = (1 + 0x20 * n) % 65521
    high = (n + 0x20 * (n * (n + 1) // 2)) % 65521
    final_empty_block = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block
    return header + segment * _REPEATS + final_empty_block + ((high << 16) | low).to_bytes(4, "big")


class HostileServer:
    """The hostile server on 127.0.0.1 (a free port), in a background thread; a context manager."""

    def __init__(self, upstream: str, *, drip_interval: float = 0.5) -> None:
        self.upstream = upstream.rstrip("/")
        self.drip_interval = drip_interval
        self._answers: list[HostileAnswer] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.served: list[tuple[str, str, str]] = []
        """``(method, path, kind)`` of every request, ``kind`` ``"relayed"`` when it was not hostile."""
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and cut every open connection (a drip or stall ends with it)."""
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()

    def answer(
        self, method: str, path: str, kind: HostileKind, *, forward: bool = True, times: int | None = 1
    ) -> None:
        """Misbehave on the next ``times`` requests of ``method`` to exactly ``path`` (None: on all)."""
        with self._lock:
            self._answers.append(HostileAnswer(method.upper(), path, kind, forward, times))

    def clear(self) -> None:
        """Forget every pending hostile answer and the log of what was served."""
        with self._lock:
            self._answers.clear()
            self.served.clear()

    def _take(self, method: str, path: str) -> HostileAnswer | None:
        with self._lock:
            for planned in self._answers:
                if planned.method == method and planned.path == path:
                    if planned.times is not None:
                        planned.times -= 1
                        if planned.times <= 0:
                            self._answers.remove(planned)
                    self.served.append((method, path, planned.kind))
                    return planned
            self.served.append((method, path, "relayed"))
            return None

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The upstream's status, relayed headers and body for this request."""
        parts = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(handler.command, parts.path + handler.path, body=body or None, headers=headers)
            upstream = connection.getresponse()
            payload = upstream.read()
            relayed = [(k, v) for k, v in upstream.getheaders() if k.lower().startswith(_RELAYED_HEADERS)]
            return upstream.status, relayed, payload
        finally:
            connection.close()

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        planned = self._take(handler.command, handler.path.split("?", 1)[0])
        if planned is None or planned.forward:
            status, headers, payload = self._forward(handler, body)
        else:
            status, headers, payload = 200, [("Content-Type", "application/json")], b'{"items": []}'
        if planned is None:
            handler.send_response(status)
            for key, value in headers:
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client giving up mid-answer is the point
            self._misbehave(handler, planned.kind, status, payload)

    def _misbehave(self, handler: _Handler, kind: HostileKind, status: int, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if kind in ("huge", "huge_chunked"):
            chunked = kind == "huge_chunked"
            handler.send_header(
                *(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(HUGE_BYTES)))
            )
            handler.end_headers()
            for chunk in _whitespace(HUGE_BYTES):
                if self._stopping.is_set():
                    return
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                handler.wfile.write(b"0\r\n\r\n")
            return
        if kind in ("gzip_bomb", "deflate_bomb"):
            bomb = gzip_bomb() if kind == "gzip_bomb" else deflate_bomb()
            handler.send_header("Content-Encoding", "gzip" if kind == "gzip_bomb" else "deflate")
            handler.send_header("Content-Length", str(len(bomb)))
            handler.end_headers()
            handler.wfile.write(bomb)
            return
        padded = b" " * 4096 + payload  # valid JSON once it all arrives, which takes half an hour
        handler.send_header("Content-Length", str(len(padded)))
        handler.end_headers()
        handler.wfile.flush()
        if kind == "drip":
            for index in range(len(padded)):
                if self._stopping.wait(self.drip_interval):
                    return
                handler.wfile.write(padded[index : index + 1])
                handler.wfile.flush()
            return
        _wait_until_gone(handler.connection, self._stopping)  # "stall": headers, then nothing


def _whitespace(total: int) -> Iterator[bytes]:
    """``total`` bytes of whitespace in 1 MiB chunks, produced as they are sent."""
    sent = 0
    while sent < total:
        chunk = _STREAM_CHUNK[: total - sent]
        sent += len(chunk)
        yield chunk


def _wait_until_gone(connection: socket.socket, stopping: threading.Event) -> None:
    """Hold the connection open, sending nothing, until the client closes it or the server stops."""
    while not stopping.is_set():
        readable, _, _ = select.select([connection], [], [], 0.2)
        if readable and not connection.recv(4096):
            return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], hostile: HostileServer) -> None:
        self.hostile = hostile
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        self.server.hostile._serve(self)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

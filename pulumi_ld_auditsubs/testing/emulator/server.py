"""The HTTP server and the :class:`Emulator` that runs it in a background thread.

:class:`EmulatorApp` turns one decoded request into a :class:`~.handlers.Response` (or ``None`` when
an injected fault drops the connection), in this order: latency, fault injection, authentication
(401), routing (404), verb (405), rate limit (429), read-only token on a write (403), handler (400,
404, 2xx). The transport is stdlib ``http.server.ThreadingHTTPServer`` speaking HTTP/1.1 with
keep-alive and exact ``Content-Length`` (204 answers carry neither body nor length); one thread per
connection. Every error, including malformed requests and unknown verbs (501 becomes 405), is JSON.

Request logging, when enabled, writes ``METHOD path -> status`` lines to stderr: never headers (so
never the ``Authorization`` token) and never bodies (so never secret config values). The recorded
requests (:attr:`Emulator.requests`) keep bodies in memory for assertions, with ``Authorization``
redacted. Requests refused before decoding (unknown verbs, a bad ``Content-Length``) are answered
but not recorded.

HTTP control API, for an emulator running in another process (``pulumi-ld-auditsubs emulator``):
``POST /_emulator/faults`` with a JSON object ``{"method", "path", "action", "status", "body",
"rawBody", "contentType", "headers", "times", "delay"}`` queues a fault exactly like
:meth:`Emulator.inject_fault` (``rawBody`` is text, sent as UTF-8) and answers 201;
``DELETE /_emulator/faults`` drops every pending fault (204). Both need a valid token in
``Authorization``; they are not recorded and not rate limited. The delivery simulation
(``POST /_emulator/events``, ``PUT /_emulator/delivery/<integrationKey>/<id>``, see :mod:`.delivery`)
follows the same rules.

Not emulated: TLS, HTTP/2, ``Transfer-Encoding: chunked`` responses (chunked request bodies are read),
CORS and session-cookie authentication.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO, cast

from pulumi_ld_auditsubs.api._net import is_loopback_host
from pulumi_ld_auditsubs.rules.catalog import Catalog
from pulumi_ld_auditsubs.testing.emulator import delivery, routes
from pulumi_ld_auditsubs.testing.emulator.errors import (
    EmulatorError,
    Forbidden,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    Unauthorized,
    error_body_for_status,
)
from pulumi_ld_auditsubs.testing.emulator.faults import Fault, FaultAction, FaultPlan
from pulumi_ld_auditsubs.testing.emulator.handlers import Response, SubscriptionHandlers, parse_json
from pulumi_ld_auditsubs.testing.emulator.ratelimit import (
    DEFAULT_WINDOW_SECONDS,
    RateLimiter,
    RateLimitMode,
)
from pulumi_ld_auditsubs.testing.emulator.store import SubscriptionStore

DEFAULT_TOKEN = "api-emulator"
CONTROL_PREFIX = "/_emulator/"
_CONTROL_FIELDS = (
    "method",
    "path",
    "action",
    "status",
    "body",
    "rawBody",
    "contentType",
    "headers",
    "times",
    "delay",
)
MAX_BODY_BYTES = 1024 * 1024
REDACTED = "<redacted>"
_IDLE_TIMEOUT_SECONDS = 120.0
_POLL_SECONDS = 0.01
"""How often the accept loop checks for shutdown: stop() takes at most this long."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, as tests see it."""

    method: str
    """The effective verb (``X-HTTP-Method-Override`` applied)."""
    path: str
    """The request target as sent, query string included."""
    headers: dict[str, str]
    """Request headers as sent, with ``Authorization`` replaced by ``<redacted>``."""
    body: Any
    """The parsed JSON body, or None when there was none or it was not JSON."""
    status: int | None
    """The status answered, or None when an injected fault dropped the connection."""


@dataclass(frozen=True)
class IncomingRequest:
    """A request as the transport decoded it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header value, matched case-insensitively."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


class EmulatorApp:
    """Everything between a decoded request and its answer; shared by all connection threads."""

    def __init__(
        self,
        store: SubscriptionStore,
        *,
        tokens: Sequence[str],
        read_only_tokens: Sequence[str],
        latency_ms: float = 0,
        rate_limiter: RateLimiter | None = None,
        log: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self._sleep = sleep
        self.handlers = SubscriptionHandlers(store)
        self.tokens = frozenset(tokens)
        self.read_only_tokens = frozenset(read_only_tokens)
        self.latency_ms = latency_ms
        self.rate_limiter = rate_limiter
        self.faults = FaultPlan()
        self.log = log
        self._requests_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def handle(self, request: IncomingRequest) -> Response | None:
        """The answer to ``request``, or None to close the connection without answering."""
        if self.latency_ms > 0:
            self._sleep(self.latency_ms / 1000)
        path = request.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(CONTROL_PREFIX):
            return self._control(request, path)
        fault = self.faults.take(request.method, path)
        if fault is not None and fault.delay > 0 and fault.action != "answer_late":
            time.sleep(fault.delay)
        response: Response | None
        if fault is None or fault.action == "act_late":
            response = self._process(request, path)
        elif fault.action == "respond":
            response = _fault_response(fault)
        elif fault.action == "drop_before":
            response = None
        elif fault.action == "drop_after":
            self._process(request, path)
            response = None
        elif fault.action == "answer_late":
            response = self._process(request, path)
            self._record(request, response)
            time.sleep(fault.delay)
            return response
        else:  # garble
            response = _garbled(self._process(request, path), fault)
        self._record(request, response)
        return response

    def _control(self, request: IncomingRequest, path: str) -> Response:
        """The HTTP control API (see the module docstring): fault injection from another process."""
        try:
            self._authenticate(request.header("Authorization"))
            control_path = path[len(CONTROL_PREFIX) :]
            if delivery.handles(control_path):
                return delivery.dispatch(self.store, request.method, control_path, request.body)
            if path != CONTROL_PREFIX + "faults":
                raise NotFound()
            if request.method == "DELETE":
                self.faults.clear()
                return Response(204)
            if request.method != "POST":
                raise MethodNotAllowed()
            spec = parse_json(request.body)
            if not isinstance(spec, dict) or not isinstance(spec.get("method"), str):
                raise InvalidRequest("a fault is a JSON object with at least `method` and `path`")
            unknown = set(spec) - set(_CONTROL_FIELDS)
            if unknown or not isinstance(spec.get("path"), str):
                raise InvalidRequest(f"fault fields are {', '.join(_CONTROL_FIELDS)}; `path` is required")
            try:
                self.faults.add(
                    spec["method"],
                    spec["path"],
                    status=spec.get("status"),
                    body=spec.get("body"),
                    headers=spec.get("headers"),
                    action=spec.get("action", "respond"),
                    times=int(spec.get("times", 1)),
                    delay=float(spec.get("delay", 0.0)),
                    raw_body=spec.get("rawBody"),
                    content_type=spec.get("contentType"),
                )
            except (TypeError, ValueError) as exc:
                raise InvalidRequest(str(exc)) from None
            return Response(201, {"queued": True})
        except EmulatorError as exc:
            return Response(exc.status, exc.body(), dict(exc.headers))

    def _process(self, request: IncomingRequest, path: str) -> Response:
        limit_headers: dict[str, str] = {}
        try:
            token = self._authenticate(request.header("Authorization"))
            found = routes.match(path)
            if found is None:
                raise NotFound()
            route, params = found
            if request.method not in route.methods:
                raise MethodNotAllowed()
            if self.rate_limiter is not None:
                decision = self.rate_limiter.check(route.key(request.method))
                if not decision.allowed:
                    raise RateLimited(headers=decision.headers)
                limit_headers = decision.headers
            if request.method in route.writes and token in self.read_only_tokens:
                raise Forbidden()
            response = self.handlers.dispatch(route, request.method, params, request.body)
        except EmulatorError as exc:
            response = Response(exc.status, exc.body(), dict(exc.headers))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            error = InternalError()
            response = Response(error.status, error.body())
        response.headers.update(limit_headers)
        return response

    def _authenticate(self, authorization: str | None) -> str:
        token = (authorization or "").strip()
        if token.lower().startswith("bearer "):
            token = token[len("bearer ") :].strip()
        if not token or token not in self.tokens | self.read_only_tokens:
            raise Unauthorized()
        return token

    def _record(self, request: IncomingRequest, response: Response | None) -> None:
        headers = {
            name: REDACTED if name.lower() == "authorization" else value
            for name, value in request.headers.items()
        }
        try:
            body = json.loads(request.body) if request.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            body = None
        status = response.status if response is not None else None
        with self._requests_lock:
            self._requests.append(RecordedRequest(request.method, request.path, headers, body, status))
        if self.log is not None:
            self.log(f"{request.method} {request.path} -> {status if status is not None else 'dropped'}")


def _fault_response(fault: Fault) -> Response:
    status = fault.status if fault.status is not None else 500
    body = copy.deepcopy(fault.body)
    if body is None and fault.raw_body is None and status >= 400:
        body = error_body_for_status(status)
    return Response(status, body, dict(fault.headers), fault.raw_body, fault.content_type)


def _garbled(response: Response, fault: Fault) -> Response:
    """``response`` (already acted on) with its body and/or content type replaced by the fault's."""
    if fault.raw_body is not None:
        response.raw_body = fault.raw_body
    elif fault.body is not None:
        response.body = copy.deepcopy(fault.body)
    if fault.content_type is not None:
        response.content_type = fault.content_type
    response.headers.update(fault.headers)
    return response


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP/1.1 server that can also cut its open keep-alive connections on shutdown."""

    daemon_threads = True
    request_queue_size = 128
    """socketserver's default backlog of 5 resets connections when many clients connect at once."""

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (they would otherwise outlive ``shutdown()``)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT_SECONDS
    disable_nagle_algorithm = True
    """Headers and body are separate writes; with Nagle plus delayed ACKs each answer would wait 40 ms."""

    def version_string(self) -> str:
        return "pulumi-ld-auditsubs-emulator"

    @property
    def app(self) -> EmulatorApp:
        return cast(EmulatorHTTPServer, self.server).app

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError as exc:
            self.send_error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        method = self.command
        override = self.headers.get("X-HTTP-Method-Override")
        if method == "POST" and override and override.strip():
            method = override.strip().upper()
        request = IncomingRequest(method, self.path, dict(self.headers.items()), body)
        response = self.app.handle(request)
        if response is None:
            self.close_connection = True
            return
        try:
            self._write(response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a slow or act-late fault)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise ValueError(f"invalid Content-Length {raw_length!r}") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise ValueError(f"request body must be between 0 and {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ValueError("malformed chunked request body") from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError(f"request body must be at most {MAX_BODY_BYTES} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _write(self, response: Response) -> None:
        if response.raw_body is not None:
            payload = response.raw_body
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        content_type = response.content_type
        if content_type is None and response.raw_body is None and response.body is not None:
            content_type = "application/json"
        self.send_response(response.status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        if response.status >= 200 and response.status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer transport-level errors with LaunchDarkly's JSON error body and close the connection."""
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code = HTTPStatus.METHOD_NOT_ALLOWED
            message = None
        body = error_body_for_status(code)
        if message:
            body["message"] = message
        payload = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.app.log is not None:
            self.app.log(format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Successful requests are logged by :class:`EmulatorApp`, without headers."""


class Emulator:
    """LaunchDarkly's audit-log-subscription endpoints on loopback, served from a background thread.

    Use as a context manager (``with Emulator() as emulator: ...``) or call :meth:`start` and
    :meth:`stop`. See the package docstring for what is and is not emulated.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Sequence[str] = (DEFAULT_TOKEN,),
        read_only_tokens: Sequence[str] = (),
        state_file: str | os.PathLike[str] | None = None,
        latency_ms: float = 0,
        rate_limit: int | None = None,
        rate_limit_mode: RateLimitMode = "route",
        rate_limit_window: float = DEFAULT_WINDOW_SECONDS,
        catalog: Catalog | None = None,
        log_requests: bool = False,
        log_stream: TextIO | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``clock`` (rate-limit windows) and ``sleep`` (``latency_ms``) let a test move time by hand;
        fault delays always sleep for real, since they exist to make a client's timeout expire."""
        if not is_loopback_host(host):
            raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
        if isinstance(tokens, str) or isinstance(read_only_tokens, str):
            raise TypeError("tokens and read_only_tokens are sequences of tokens, not a single string")
        if not tokens and not read_only_tokens:
            raise ValueError("the emulator needs at least one valid token")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self.host = host
        self._requested_port = port
        self._tokens = tuple(tokens)
        self._read_only_tokens = tuple(read_only_tokens)
        self._log_stream = log_stream
        limiter = (
            RateLimiter(rate_limit, window_seconds=rate_limit_window, mode=rate_limit_mode, clock=clock)
            if rate_limit is not None
            else None
        )
        self._app = EmulatorApp(
            SubscriptionStore(catalog, state_file),
            tokens=self._tokens,
            read_only_tokens=self._read_only_tokens,
            latency_ms=latency_ms,
            rate_limiter=limiter,
            log=self._log if log_requests else None,
            sleep=sleep,
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind the port and start serving in a daemon thread; returns self."""
        if self._server is not None:
            return self
        server = EmulatorHTTPServer((self.host, self._requested_port), self._app)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"ld-auditsubs-emulator:{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and release the port; idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() or use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, without trailing slash, e.g. ``http://127.0.0.1:41234``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token(self) -> str:
        """The first valid read-write token (the first read-only one if there is none)."""
        return (self._tokens or self._read_only_tokens)[0]

    # -- test hooks ---------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in completion order."""
        return self._app.requests

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._app.clear_requests()

    def subscriptions(self, integration_key: str | None = None) -> list[dict[str, Any]]:
        """The stored subscriptions (all, or one integration key's), with plaintext secrets."""
        return self._app.store.snapshot(integration_key)

    def secret(self, integration_key: str, subscription_id: str, field: str) -> str:
        """The stored plaintext of one config value (``KeyError`` if absent)."""
        return self._app.store.secret(integration_key, subscription_id, field)

    def inject_fault(
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
    ) -> None:
        """Make the next ``times`` requests matching ``method`` and the fnmatch ``path_pattern`` fail.

        ``"respond"`` answers ``status`` (default 500) with ``body`` (default: an error body with the
        matching code) or the exact bytes ``raw_body`` with ``content_type``, without acting (an HTML
        404 or 502 page; a redirect is ``status=302, headers={"Location": ...}``);
        ``"drop_before"`` closes the connection without acting; ``"drop_after"`` acts, then closes
        the connection without answering; ``"act_late"`` waits ``delay`` seconds, then acts and
        answers (after a client with a shorter read timeout gave up); ``"answer_late"`` acts at once
        and answers after ``delay``; ``"garble"`` acts, then replaces the answer's body (``raw_body``
        bytes, ``b""`` for empty, or ``body``) and/or ``content_type``. Any action waits ``delay``
        first. See :mod:`~pulumi_ld_auditsubs.testing.emulator.faults`.
        """
        self._app.faults.add(
            method,
            path_pattern,
            status=status,
            body=body,
            headers=headers,
            action=action,
            times=times,
            delay=delay,
            raw_body=raw_body,
            content_type=content_type,
        )

    def clear_faults(self) -> None:
        """Drop every pending injected fault."""
        self._app.faults.clear()

    def deliver(self, resource: str, action: str) -> list[str]:
        """Deliver one audit event as ``POST /_emulator/events`` does; returns the receivers' ids."""
        return delivery.deliver_event(self._app.store, resource, action)

    def fail_delivery(
        self, integration_key: str, subscription_id: str, status_code: int | None, response_body: str = ""
    ) -> None:
        """Make deliveries to one subscription fail with ``status_code`` (None heals it)."""
        error = None if status_code is None else {"statusCode": status_code, "responseBody": response_body}
        self._app.store.set_delivery_error(integration_key, subscription_id, error)

    def reset(self) -> None:
        """Forget subscriptions, recorded requests, pending faults and rate-limit counters."""
        self._app.store.reset()
        self._app.clear_requests()
        self._app.faults.clear()
        if self._app.rate_limiter is not None:
            self._app.rate_limiter.reset()

    def _log(self, line: str) -> None:
        stream = self._log_stream if self._log_stream is not None else sys.stderr
        print(line, file=stream, flush=True)

"""The LaunchDarkly REST client for audit log subscriptions: the only module that imports ``requests``.

One :class:`requests.Session` per (host, token) lives in a module-level pool, so every resource and
every one of the provider process's worker threads reuses the same kept-alive connections, and no
network object is ever attached to (and pickled with) the provider. Transport failures and error
statuses are translated into :mod:`pulumi_ld_auditsubs.errors` here and nowhere else; retries live in
one place, :meth:`LaunchDarklyClient._send`.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from pulumi_ld_auditsubs._net import is_loopback_host
from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.errors import (
    ApiConnectionError,
    ApiError,
    LaunchDarklyError,
    MissingCredentialsError,
    error_class_for,
)

log = logging.getLogger(__name__)

API_VERSION = "20240415"
USER_AGENT = f"pulumi-ld-auditsubs/{__version__}"
DEFAULT_HOST = "https://app.launchdarkly.com"
FEDERAL_HOST = "https://app.launchdarkly.us"
EU_HOST = "https://app.eu.launchdarkly.com"
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT_PATCH_OPS = frozenset({"add", "replace", "test"})


def validate_host(host: str) -> str:
    """Return ``host`` without a trailing slash, or raise ValueError saying what is allowed.

    The host may carry a path prefix (a proxy); plain ``http://`` is allowed only for loopback
    addresses, so a token is never sent in clear text over a network.
    """
    parts = urlsplit(host.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"launchdarkly:apiHost must be an absolute https URL such as {DEFAULT_HOST}, got {host!r}"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"launchdarkly:apiHost {host!r} uses plain http; only https is allowed, "
            "except for loopback addresses (127.0.0.1, ::1, localhost) used by the emulator"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"launchdarkly:apiHost must not have a query or fragment, got {host!r}")
    return host.strip().rstrip("/")


_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


def is_subscription_id(value: object) -> bool:
    """Whether ``value`` is a LaunchDarkly subscription id: a MongoDB ObjectId, 24 lowercase hex digits.

    Only such an id is ever stored in state or put in a request path, so ``None``, ``""``, ``/`` or
    ``..`` from a garbled answer can never address another resource.
    """
    return isinstance(value, str) and _OBJECT_ID.fullmatch(value) is not None


def subscription_id_created_at(subscription_id: str) -> float:
    """Unix seconds when the subscription was created: an ObjectId's first 4 bytes, big-endian.

    Raises ValueError for anything that is not a subscription id (see :func:`is_subscription_id`).
    """
    if not is_subscription_id(subscription_id):
        raise ValueError("not a subscription id: expected 24 lowercase hexadecimal digits")
    return float(int(subscription_id[:8], 16))


def validate_token(token: str, source: str) -> str:
    """Return ``token`` without surrounding whitespace, or raise ValueError naming ``source``.

    Refuses an empty token and one with control characters, inner whitespace or non-ASCII
    characters: HTTP header rules would reject or mangle it, and a pasted token carrying a newline
    is a header-injection risk. The message names where the token came from, never its value.
    """
    stripped = token.strip()
    if not stripped:
        raise ValueError(f"the LaunchDarkly access token from {source} is empty")
    if not stripped.isascii():
        raise ValueError(
            f"the LaunchDarkly access token from {source} contains non-ASCII characters; "
            "copy it again from LaunchDarkly's Authorization page"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in stripped):
        raise ValueError(
            f"the LaunchDarkly access token from {source} contains whitespace or control characters; "
            "copy it again from LaunchDarkly's Authorization page"
        )
    return stripped


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry; the defaults suit LaunchDarkly's 10-second rate-limit windows."""

    max_attempts: int = 6
    backoff_base: float = 0.25
    max_wait: float = 15.0
    """Longest single wait, whatever the server asks for."""
    jitter: Callable[[float], float] = field(default=lambda wait: random.uniform(0, wait * 0.2))

    def wait_for(self, attempt: int, response: requests.Response | None) -> float:
        """Seconds to wait before attempt number ``attempt + 1``."""
        wait: float = self.backoff_base * 2.0 ** (attempt - 1)
        if response is not None:
            wait = _server_requested_wait(response) or wait
        return min(self.max_wait, wait + self.jitter(wait))


def _server_requested_wait(response: requests.Response) -> float | None:
    """The wait a 429 asks for: ``Retry-After`` seconds, else ``X-Ratelimit-Reset`` epoch milliseconds."""
    retry_after: str | None = response.headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    reset: str | None = response.headers.get("X-Ratelimit-Reset")
    if reset is not None:
        try:
            # LaunchDarkly sometimes sends a reset time in the past; then a short backoff is enough.
            seconds = float(reset) / 1000.0 - time.time()
        except ValueError:
            return None
        return seconds if seconds > 0 else None
    return None


_SESSIONS: dict[tuple[str, str], requests.Session] = {}
_SESSIONS_LOCK = threading.Lock()


def _session_for(host: str, token: str) -> requests.Session:
    """The shared session for this host and token (keyed by a digest, so the token is not a dict key)."""
    key = (host, hashlib.sha256(token.encode()).hexdigest())
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update(
                {
                    "Authorization": token,
                    "LD-API-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                }
            )
            _SESSIONS[key] = session
        return session


class LaunchDarklyClient:
    """The five audit-log-subscription endpoints; each method is one logical request."""

    def __init__(
        self,
        host: str,
        token: str | None,
        *,
        timeout: tuple[float, float] = (10.0, 30.0),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = validate_host(host)
        self._token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"LaunchDarklyClient(host={self.host!r})"

    def create_subscription(self, integration_key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new subscription; returns the created ``Integration``."""
        return self._json("POST", self._path(integration_key), body, retry_ambiguous=False)

    def list_subscriptions(self, integration_key: str) -> list[dict[str, Any]]:
        """GET every subscription of one integration (the endpoint is not paginated)."""
        items = self._json("GET", self._path(integration_key)).get("items", [])
        return [item for item in items if isinstance(item, dict)]

    def get_subscription(self, integration_key: str, subscription_id: str) -> dict[str, Any]:
        return self._json("GET", self._path(integration_key, subscription_id))

    def patch_subscription(
        self,
        integration_key: str,
        subscription_id: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """PATCH with an RFC 6902 patch; retried after a lost response only if re-applying is harmless."""
        body: Any = list(operations) if comment is None else {"comment": comment, "patch": list(operations)}
        idempotent = all(op.get("op") in _IDEMPOTENT_PATCH_OPS for op in operations)
        return self._json(
            "PATCH", self._path(integration_key, subscription_id), body, retry_ambiguous=idempotent
        )

    def delete_subscription(self, integration_key: str, subscription_id: str) -> None:
        self._send("DELETE", self._path(integration_key, subscription_id), None, retry_ambiguous=True)

    @staticmethod
    def _path(integration_key: str, subscription_id: str | None = None) -> str:
        path = f"/api/v2/integrations/{quote(integration_key, safe='')}"
        if subscription_id is not None:
            path += f"/{quote(subscription_id, safe='')}"
        return path

    def _json(
        self, method: str, path: str, body: Any = None, *, retry_ambiguous: bool = True
    ) -> dict[str, Any]:
        response = self._send(method, path, body, retry_ambiguous=retry_ambiguous)
        try:
            payload = response.json()
        except ValueError as exc:
            raise LaunchDarklyError(
                f"{method} {path}: expected a JSON body, got {response.headers.get('Content-Type')!r}"
            ) from exc
        if not isinstance(payload, dict):
            raise LaunchDarklyError(f"{method} {path}: expected a JSON object, got {type(payload).__name__}")
        return payload

    def _send(self, method: str, path: str, body: Any, *, retry_ambiguous: bool) -> requests.Response:
        """Send one request, retrying where that is safe; the one place retries happen.

        Retried: 429 and 5xx (the server did not act, or says to come back), and connections that
        could not be opened. A request whose response was lost after it was sent is retried only
        when ``retry_ambiguous`` says that doing it twice is harmless (GET, DELETE, add/replace
        patches); a lost POST is reported, and the provider recovers from it by looking the
        subscription up.
        """
        if not self._token:
            raise MissingCredentialsError()
        session = _session_for(self.host, self._token)
        url = self.host + path
        for attempt in range(1, self.retry.max_attempts + 1):
            last_attempt = attempt == self.retry.max_attempts
            try:
                response = session.request(method, url, json=body, timeout=self.timeout)
            except requests.RequestException as exc:
                never_sent = _never_sent(exc)
                if last_attempt or not (never_sent or method == "GET" or retry_ambiguous):
                    raise ApiConnectionError(_describe(exc), method=method, path=path) from exc
                wait = self.retry.wait_for(attempt, None)
                log.debug("%s %s: %s; retrying in %.2fs", method, path, type(exc).__name__, wait)
                self._sleep(wait)
                continue
            if response.status_code < 400:
                return response
            if response.status_code in _RETRYABLE_STATUSES and not last_attempt:
                wait = self.retry.wait_for(attempt, response)
                log.debug("%s %s: HTTP %d; retrying in %.2fs", method, path, response.status_code, wait)
                self._sleep(wait)
                continue
            raise _api_error(response, method, path)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the connection was never established, so the server cannot have acted on the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the real cause
    return isinstance(reason, NewConnectionError)  # refused, unreachable, or DNS failure


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out waiting for LaunchDarkly"
    if isinstance(exc, requests.ConnectionError):
        return f"could not reach LaunchDarkly ({type(exc).__name__}: connection failed or was closed)"
    return f"request failed ({type(exc).__name__})"


def _api_error(response: requests.Response, method: str, path: str) -> ApiError:
    code, message, request_id = "unknown", response.reason or "error", None
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        code = str(payload.get("code") or code)
        message = str(payload.get("message") or message)
        request_id = str(payload["id"]) if payload.get("id") else None
    retry_after = _server_requested_wait(response) if response.status_code == 429 else None
    return error_class_for(response.status_code)(
        status=response.status_code,
        code=code,
        message=message,
        request_id=request_id,
        method=method,
        path=path,
        retry_after=retry_after,
    )

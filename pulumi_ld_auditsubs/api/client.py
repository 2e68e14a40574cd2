"""The LaunchDarkly REST client for audit log subscriptions: the only module that imports ``requests``.

One :class:`requests.Session` per (host, token) lives in a module-level pool, so every resource and
every one of the provider process's worker threads reuses the same kept-alive connections, and no
network object is ever attached to (and pickled with) the provider. Transport failures and error
statuses are translated into :mod:`pulumi_ld_auditsubs.errors` here and nowhere else; retries live in
one place, :meth:`LaunchDarklyClient._exchange`, and rate-limit windows are shared by every thread of the
process through :data:`~pulumi_ld_auditsubs.api.ratelimit.RATE_LIMITS`.

Every answer is checked before it is returned: a subscription is a JSON object whose ``_id`` is a
24-hex ObjectId (:func:`is_subscription_id`), so a garbled or foreign answer can never put a bad id
into state. A POST whose outcome cannot be known (answer lost, late, unreadable, or a gateway error)
raises :class:`~pulumi_ld_auditsubs.errors.OutcomeUnknownError` and is never re-sent here
(:mod:`pulumi_ld_auditsubs.operations.recovery` decides what happens next). Host, token and budgets come
checked from :class:`~pulumi_ld_auditsubs.api.settings.ProviderSettings`, which owns every setting.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic
import requests
import urllib3.exceptions
from urllib3.exceptions import DecodeError, NameResolutionError, NewConnectionError, ReadTimeoutError

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.api.bounded import WATCHDOG, BodyTooLarge, BoundedAdapter, read_body
from pulumi_ld_auditsubs.api.ratelimit import RATE_LIMITS, RateLimitWindows, retry_after_seconds
from pulumi_ld_auditsubs.api.settings import (
    CONNECT_TIMEOUT_SECONDS,
    DEFAULT_MAX_RESPONSE_MIB,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_RETRY_TIMEOUT_SECONDS,
    DYNAMIC_NAMES,
    HOST_KEY,
    MAX_RESPONSE_ENV,
    MAX_RESPONSE_KEY,
    READ_TIMEOUT_KEY,
    RETRY_TIMEOUT_ENV,
    RETRY_TIMEOUT_KEY,
    TOKEN_KEY,
    ProviderSettings,
    SettingNames,
    describe_host_source,
)
from pulumi_ld_auditsubs.errors import (
    ApiConnectionError,
    ApiError,
    ExchangeDeadlineError,
    HostUnreachableError,
    InvalidResponseError,
    LaunchDarklyError,
    MissingCredentialsError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RedirectRefusedError,
    ResponseTooLargeError,
    error_class_for,
    register_secret,
)
from pulumi_ld_auditsubs.rules.models import Subscription
from pulumi_ld_auditsubs.rules.ref import (
    COLLECTION_ROUTE,
    ITEM_ROUTE,
    SubscriptionRef,
    collection_path,
    is_subscription_id,
)

log = logging.getLogger(__name__)

API_VERSION = "20240415"
USER_AGENT = f"pulumi-ld-auditsubs/{__version__}"

_RETRY_AFTER_STATUSES = frozenset({429, 503})
"""The server says it did not act and when to come back: safe to retry for every verb, POST included."""
_MAYBE_ACTED_STATUSES = frozenset({500, 502, 504})
"""The server (or a gateway in front of it) may have acted: retried only where repeating is harmless."""
_IDEMPOTENT_PATCH_OPS = frozenset({"add", "replace", "test"})
"""Applying these twice gives the same document, except an ``add`` into an array (see below)."""
_UNREACHABLE_RETRIES = 1
"""A DNS failure, a failed TLS handshake or a connect timeout gets one quick retry, then fails at once."""
MIB = 1024 * 1024
WAIT_LOG_SECONDS = 2.0
"""Waits at least this long are logged (the provider's log is what the engine shows): a user can
tell a wait from a hang. Shorter ones would only be noise."""
REFUSED_RETRY_SECONDS = 10.0
"""How long a refused connection is retried (with backoff) before "cannot reach": a proxy or load
balancer restarting for a moment. Nothing was sent, so retrying is safe for every verb."""


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry: a time budget per logical request, not an attempt count.

    Under a sustained rate limit a request keeps waiting for its route's window for up to
    ``budget_seconds`` (default five minutes), so bulk operations finish instead of failing after a
    fixed number of unlucky attempts. ``max_attempts``, when set, is an extra cap (tests use it).
    """

    budget_seconds: float = DEFAULT_RETRY_TIMEOUT_SECONDS
    max_attempts: int | None = None
    backoff_base: float = 0.25
    max_wait: float = 15.0
    """Longest single backoff, whatever the server asks for (rate-limit windows are waited in full)."""
    jitter: Callable[[float], float] = field(default=lambda wait: random.uniform(0, wait * 0.2))
    reset_margin: Callable[[], float] = field(default=lambda: random.uniform(0.005, 0.05))
    """Added to a rate-limit reset time: a little clock slack, and threads do not wake in lockstep."""

    def wait_for(self, attempt: int, response: requests.Response | None) -> float:
        """Seconds to back off before attempt number ``attempt + 1`` (``Retry-After`` if the server said)."""
        wait: float = self.backoff_base * 2.0 ** min(attempt - 1, 16)
        if response is not None:
            wait = retry_after_seconds(response) or wait
        return min(self.max_wait, wait + self.jitter(wait))


# -- one client per settings ---------------------------------------------------------------------------

_CLIENTS: weakref.WeakKeyDictionary[ProviderSettings, LaunchDarklyClient] = weakref.WeakKeyDictionary()
_CLIENTS_LOCK = threading.Lock()


def client_for(settings: ProviderSettings) -> LaunchDarklyClient:
    """The client for these settings (the provider, the lookups and the commands get theirs here).

    Built once per settings and then shared by every call and thread: a client holds no
    per-request state. It takes host and token as given: the settings checked them.
    """
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(settings)
        if client is None:
            client = LaunchDarklyClient(
                settings.host,
                settings.token,
                token_source=settings.token_source,
                host_source=settings.host_source,
                timeout=(CONNECT_TIMEOUT_SECONDS, settings.read_timeout_seconds),
                retry=RetryPolicy(budget_seconds=settings.retry_timeout_seconds),
                max_response_mib=settings.max_response_mib,
                names=settings.names,
            )
            _CLIENTS[settings] = client
        return client


# -- sessions -------------------------------------------------------------------------------------------

_SESSIONS: dict[tuple[str, str], requests.Session] = {}
_SESSIONS_LOCK = threading.Lock()


def _session_for(host: str, token: str) -> requests.Session:
    """The shared session for this host and token (keyed by a digest, so the token is not a dict key)."""
    key = (host, hashlib.sha256(token.encode()).hexdigest())
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = requests.Session()
            _read_environment_once(session, host)
            adapter = BoundedAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
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


def _read_environment_once(session: requests.Session, host: str) -> None:
    """Settle proxies and CA bundle from the environment once per session, not on every request.

    With ``trust_env`` requests re-reads every proxy variable on each request (about half a
    millisecond, a third of a provider call's own cost), and would let a ``~/.netrc`` entry for the
    host replace the token's ``Authorization`` header. So the environment is read here, once:
    ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` honouring ``NO_PROXY``, and ``REQUESTS_CA_BUNDLE``
    or ``CURL_CA_BUNDLE``, exactly as requests would have used them for this host.
    """
    session.trust_env = False
    session.proxies = dict(requests.utils.get_environ_proxies(host))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle


class _Cut(Exception):
    """An exchange this client stopped, or whose body broke off: never a requests exception.

    ``kind`` is ``"deadline"`` (the retry budget ran out while it was running), ``"too_large"``
    (the decoded answer passed the cap) or ``"broken"`` (reading the body failed: ``cause``).
    """

    def __init__(
        self,
        kind: str,
        *,
        phase: str,
        received: int = 0,
        status: int | None = None,
        declared: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(kind)
        self.kind = kind
        self.phase = phase
        """``"headers"`` (no complete status line and headers yet) or ``"body"``."""
        self.received = received
        self.status = status
        self.declared = declared
        self.cause = cause


def _send_once(
    session: requests.Session,
    method: str,
    url: str,
    body: Any,
    timeout: tuple[float, float],
    *,
    time_left: float,
    cap: int,
) -> requests.Response:
    """One exchange through the session's adapter, the whole answer read within ``time_left`` seconds
    and ``cap`` decoded bytes (else :class:`_Cut`).

    ``Session.request`` would re-merge environment settings, cookies and hooks and offer to follow
    redirects on every call: about half a millisecond each time, a quarter of a provider call's own
    cost. None of it applies here: the session's proxies and CA bundle are settled once
    (:func:`_read_environment_once`), LaunchDarkly's API sets no cookies, and redirects are never
    followed. What remains is exactly what reaches the wire: method, URL, the session's headers, the
    JSON body.

    The answer is streamed (:func:`~pulumi_ld_auditsubs.api.bounded.read_body`) and the exchange is
    watched (:data:`~pulumi_ld_auditsubs.api.bounded.WATCHDOG`): each socket read waits at most
    min(read timeout, time left), and the watchdog cuts a drip that keeps every read shorter.
    """
    request = requests.PreparedRequest()
    request.prepare(method=method, url=url, headers=session.headers, json=body)
    connect_timeout, read_timeout = timeout
    clamped = time_left < read_timeout  # a silent wait is then ended by the budget, not the read timeout
    watch = WATCHDOG.arm(time.monotonic() + max(0.0, time_left))
    phase, progress, status = "headers", [0], None
    try:
        response = session.get_adapter(url).send(
            request,
            stream=True,
            timeout=(min(connect_timeout, time_left), min(read_timeout, time_left)),
            verify=True if session.verify is None else session.verify,
            cert=session.cert,
            proxies=session.proxies,
        )
        phase, status = "body", response.status_code
        try:
            content = read_body(response, cap, progress)
            if watch.fired:  # a body delimited by the connection's end: cut short, not complete
                raise _Cut("deadline", phase=phase, received=progress[0], status=status)
        except BaseException:
            response.close()  # never drain the rest of a hostile answer, nor pool its connection
            raise
    except _Cut:
        raise
    except BodyTooLarge as big:
        raise _Cut(
            "too_large", phase=phase, received=big.received, status=status, declared=big.declared
        ) from None
    except requests.RequestException as exc:
        if watch.fired or (clamped and isinstance(exc, requests.ReadTimeout)):
            raise _Cut("deadline", phase=phase, status=status) from None
        raise
    except (urllib3.exceptions.HTTPError, OSError) as exc:  # while reading the body
        if watch.fired or (clamped and isinstance(exc, ReadTimeoutError)):
            raise _Cut("deadline", phase=phase, received=progress[0], status=status) from None
        raise _Cut("broken", phase=phase, received=progress[0], status=status, cause=exc) from None
    finally:
        WATCHDOG.disarm(watch)
    response._content = content  # where requests' own non-streamed read keeps it (.content, .json())
    return response


@dataclass(frozen=True)
class _Failure:
    """A request that got no HTTP answer, described without the exception (which is never chained)."""

    never_sent: bool
    """The connection was never opened, so the server cannot have acted."""
    unreachable: bool
    """Retrying will not help soon (DNS, connect timeout, TLS, proxy): one quick retry only."""
    description: str
    refused: bool = False
    """The host refused the connection: retried with backoff for :data:`REFUSED_RETRY_SECONDS`."""


class LaunchDarklyClient:
    """The five audit-log-subscription endpoints; each method is one logical request."""

    def __init__(
        self,
        host: str,
        token: str | None,
        *,
        token_source: str = TOKEN_KEY,
        host_source: str = HOST_KEY,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, DEFAULT_READ_TIMEOUT_SECONDS),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: RateLimitWindows | None = None,
        max_response_mib: float = DEFAULT_MAX_RESPONSE_MIB,
        names: SettingNames = DYNAMIC_NAMES,
    ) -> None:
        """``host`` and ``token`` as :class:`~pulumi_ld_auditsubs.api.settings.ProviderSettings` checked
        them (build one with :func:`client_for`); ``token_source`` and ``host_source`` name where the
        token and the host came from, so every hint sends the user to the setting really used.
        ``max_response_mib`` caps every answer's decoded size; ``names`` says how the user names
        the settings that messages point to (retry budget, read timeout, cap)."""
        self.host = host.rstrip("/")
        if token is not None:
            register_secret(token)  # the token goes on the wire from here: scrub it from every message
        self._token = token or None
        self.token_source = token_source
        self.host_source = host_source
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rate_limits = rate_limits if rate_limits is not None else RATE_LIMITS
        self.max_response_mib = max_response_mib
        self.max_response_bytes = int(max_response_mib * MIB)
        self.names = names

    def __repr__(self) -> str:
        return f"LaunchDarklyClient(host={self.host!r})"

    @property
    def host_named(self) -> str:
        """The host with where it came from: ``https://... (from --api-host)``."""
        return f"{self.host} ({describe_host_source(self.host_source)})"

    # -- the five endpoints --------------------------------------------------------------------------

    def create_subscription(self, integration_key: str, body: Mapping[str, Any]) -> Subscription:
        """POST a new subscription; returns the created one, parsed.

        Raises :class:`OutcomeUnknownError` when the server may have created it but the answer was
        lost, late or has no usable ``_id``; the POST is then never re-sent here. An answer with a
        good ``_id`` that is otherwise no subscription raises :class:`InvalidResponseError` carrying
        that id (``created_id``), so the caller can read the subscription back.
        """
        path = collection_path(integration_key)
        response, sent_at = self._exchange("POST", path, COLLECTION_ROUTE, body, retry_ambiguous=False)
        payload, problem = _json_object(response)
        subscription_id = payload.get("_id")
        if problem is None and not is_subscription_id(subscription_id):
            problem = f"its field `_id` is not a subscription id ({_shape(subscription_id)})"
        if problem is not None:
            raise OutcomeUnknownError(
                f"LaunchDarkly at {self.host} answered HTTP {response.status_code} but {problem}; "
                "the subscription may have been created",
                method="POST",
                path=path,
                sent_at=sent_at,
            )
        parsed, problem = _subscription(payload, integration_key)
        if parsed is None:
            unusable = self._invalid("POST", path, response, problem or "")
            unusable.created_id = str(subscription_id)
            raise unusable
        return parsed

    def list_subscriptions(self, integration_key: str) -> list[Subscription]:
        """GET every subscription of one integration (the endpoint is not paginated)."""
        path = collection_path(integration_key)
        response = self._send("GET", path, COLLECTION_ROUTE, None, retry_ambiguous=True)
        payload, problem = _json_object(response)
        listed: list[Subscription] = []
        if problem is None:
            items = payload.get("items")
            if not isinstance(items, list):
                problem = "its field `items` is not a list"
            else:
                for index, item in enumerate(items):
                    if not isinstance(item, dict):
                        problem = f"`items[{index}]` is not an object"
                        break
                    parsed, problem = _subscription(item, integration_key, where=f"items[{index}].")
                    if parsed is None:
                        break
                    listed.append(parsed)
        if problem is not None:
            raise self._invalid("GET", path, response, problem)
        return listed

    def get_subscription(self, integration_key: str, subscription_id: str) -> Subscription:
        """GET one subscription; its answer must be that subscription."""
        path = SubscriptionRef(integration_key, subscription_id).path
        response = self._send("GET", path, ITEM_ROUTE, None, retry_ambiguous=True)
        return self._answered(response, "GET", path, SubscriptionRef(integration_key, subscription_id))

    def patch_subscription(
        self,
        integration_key: str,
        subscription_id: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        comment: str | None = None,
    ) -> Subscription:
        """PATCH with an RFC 6902 patch; retried after a lost response only if re-applying is harmless.

        The answer must be the subscription that was patched (same ``_id``).
        """
        path = SubscriptionRef(integration_key, subscription_id).path
        body: Any = list(operations) if comment is None else {"comment": comment, "patch": list(operations)}
        idempotent = all(_repeatable(op) for op in operations)
        response = self._send("PATCH", path, ITEM_ROUTE, body, retry_ambiguous=idempotent)
        return self._answered(response, "PATCH", path, SubscriptionRef(integration_key, subscription_id))

    def delete_subscription(self, integration_key: str, subscription_id: str) -> None:
        """DELETE one subscription (a lost answer is retried: deleting twice is a 404 the caller accepts)."""
        self._send(
            "DELETE",
            SubscriptionRef(integration_key, subscription_id).path,
            ITEM_ROUTE,
            None,
            retry_ambiguous=True,
        )

    def _answered(
        self, response: requests.Response, method: str, path: str, ref: SubscriptionRef
    ) -> Subscription:
        """The answer of a GET or PATCH: the requested subscription, parsed, or InvalidResponseError."""
        payload, problem = _json_object(response)
        if problem is None:
            subscription_id = payload.get("_id")
            if not is_subscription_id(subscription_id):
                problem = f"its field `_id` is not a subscription id ({_shape(subscription_id)})"
            elif subscription_id != ref.subscription_id:
                problem = f"its field `_id` is {subscription_id}, not the requested {ref.subscription_id}"
            else:
                parsed, problem = _subscription(payload, ref.integration_key)
                if parsed is not None:
                    return parsed
        raise self._invalid(method, path, response, problem or "")

    def _invalid(
        self, method: str, path: str, response: requests.Response, problem: str
    ) -> InvalidResponseError:
        return InvalidResponseError(
            f"LaunchDarkly at {self.host} answered HTTP {response.status_code} but {problem}; "
            "nothing was stored",
            method=method,
            path=path,
            hint=f"check the host {self.host_named} if a proxy sits in front of LaunchDarkly, "
            "else run the command again",
        )

    # -- the one place requests are sent ---------------------------------------------------------------

    def _send(
        self, method: str, path: str, route: str, body: Any, *, retry_ambiguous: bool
    ) -> requests.Response:
        return self._exchange(method, path, route, body, retry_ambiguous=retry_ambiguous)[0]

    def _exchange(
        self, method: str, path: str, route: str, body: Any, *, retry_ambiguous: bool
    ) -> tuple[requests.Response, float]:
        """Send one logical request, retrying where that is safe, within the retry time budget.

        Retried for every verb: 429 and 503 (the server says it did not act; rate-limit windows are
        shared by every thread, see :class:`RateLimitWindows`), and a connection that could not be
        opened (once only when the host refuses, does not resolve, or fails TLS: say so at once).
        Retried only when ``retry_ambiguous`` says repeating is harmless (GET, DELETE, patches that
        only set values): a lost or late answer, and 500/502/504 (the server or a gateway may have
        acted). For a POST these
        raise :class:`OutcomeUnknownError` instead. Redirects are never followed. Exceptions from
        requests/urllib3 are described, never chained, so no traceback carries their internals.

        The budget bounds the whole request, reading the answer included (:func:`_send_once`): an
        answer still arriving when it runs out fails with :class:`ExchangeDeadlineError`, one larger
        than the cap with :class:`ResponseTooLargeError`, neither retried; for a POST that may have
        acted, both are an :class:`OutcomeUnknownError` (recovery, never a blind re-send).
        """
        if not self._token:
            raise MissingCredentialsError(self.token_source)
        session = _session_for(self.host, self._token)
        url = self.host + path
        host_key, route_key = (self.host, "*"), (self.host, f"{method} {route}")
        keys = (host_key, route_key)
        started = self._clock()

        def time_left() -> float:
            return self.retry.budget_seconds - (self._clock() - started)

        attempt = unreachable = 0
        refused_waited = 0.0
        last_error: LaunchDarklyError | None = None
        reached_at: float | None = None  # when the first attempt that reached the server was sent
        while True:
            attempt += 1
            if not self._rate_limits.enter(
                keys, time_left=time_left, sleep=self._sleep, margin=self.retry.reset_margin
            ):
                raise last_error or self._budget_spent(method, path)
            left = time_left()
            if left <= 0:
                self._rate_limits.leave(keys, None, host_key=host_key, route_key=route_key, fallback_wait=0.0)
                raise last_error or self._budget_spent(method, path)
            sent_at = time.time()
            response: requests.Response | None = None
            failure: _Failure | None = None
            try:
                response = _send_once(
                    session, method, url, body, self.timeout, time_left=left, cap=self.max_response_bytes
                )
            except requests.RequestException as exc:
                failure = _describe(exc, self.host)
            except _Cut as cut:
                if cut.kind == "broken":
                    failure = self._broken_body(cut)
                else:  # not retried: the budget is spent, or the same answer would come again
                    raise self._cut_error(cut, method, path, retry_ambiguous, reached_at or sent_at) from None
            finally:
                self._rate_limits.leave(
                    keys,
                    response,
                    host_key=host_key,
                    route_key=route_key,
                    fallback_wait=self.retry.wait_for(attempt, None),
                )
            retry = False
            if failure is None or not failure.never_sent:
                reached_at = sent_at if reached_at is None else reached_at
                sent_at = reached_at
            if failure is not None:
                if failure.never_sent:
                    last_error = self._never_sent_error(method, path, failure)
                    if failure.refused:  # counted in time waited, so an injected sleep sees it too
                        retry = refused_waited < REFUSED_RETRY_SECONDS
                    else:
                        unreachable += failure.unreachable
                        retry = not failure.unreachable or unreachable <= _UNREACHABLE_RETRIES
                elif method == "POST" and not retry_ambiguous:
                    raise OutcomeUnknownError(
                        f"{failure.description}; the subscription may have been created",
                        method=method,
                        path=path,
                        sent_at=sent_at,
                    )
                else:
                    last_error = self._connection_error(failure, method, path)
                    retry = retry_ambiguous
            else:
                assert response is not None
                status = response.status_code
                if 200 <= status < 300:
                    return response, sent_at
                if 300 <= status < 400:
                    raise self._redirect_error(method, path, response)
                if method == "POST" and not retry_ambiguous and status in _MAYBE_ACTED_STATUSES:
                    raise OutcomeUnknownError(
                        f"LaunchDarkly at {self.host} (or a gateway in front of it) answered "
                        f"HTTP {status}; the subscription may have been created",
                        method=method,
                        path=path,
                        sent_at=sent_at,
                    )
                last_error = self._api_error(response, method, path)
                retry = status in _RETRY_AFTER_STATUSES or (
                    status in _MAYBE_ACTED_STATUSES and retry_ambiguous
                )
            if not retry or (self.retry.max_attempts is not None and attempt >= self.retry.max_attempts):
                raise last_error
            if response is not None and response.status_code == 429:
                continue  # the shared window says how long to wait (RateLimitWindows.enter)
            wait = self.retry.wait_for(attempt, response)
            if wait > time_left():
                raise last_error
            if wait >= WAIT_LOG_SECONDS:
                log.info("%s; retrying in %.0f s", _without_hint(last_error), wait)
            else:
                log.debug("%s %s: %s; retrying in %.2fs", method, path, type(last_error).__name__, wait)
            if failure is not None and failure.refused:
                wait = min(wait, REFUSED_RETRY_SECONDS - refused_waited)
                refused_waited += wait
            self._sleep(wait)

    def _broken_body(self, cut: _Cut) -> _Failure:
        """A body that broke off while arriving: the server answered, so it may have acted."""
        if isinstance(cut.cause, ReadTimeoutError):
            timeout = self.timeout[1]
            return _Failure(
                False,
                False,
                f"the answer from {self.host} stopped arriving: nothing for {timeout:g} s after "
                f"{cut.received} bytes (the read timeout, {self.names.where(READ_TIMEOUT_KEY)})",
            )
        if isinstance(cut.cause, DecodeError):
            return _Failure(
                False, False, f"the answer from {self.host} could not be decoded (a broken Content-Encoding)"
            )
        return _Failure(False, False, f"the connection to {self.host} was closed in the middle of its answer")

    def _cut_error(
        self, cut: _Cut, method: str, path: str, retry_ambiguous: bool, sent_at: float
    ) -> LaunchDarklyError:
        """The one error for an exchange stopped by the deadline or the size cap."""
        budget_key = self.names.where(RETRY_TIMEOUT_KEY)
        cap_key = self.names.where(MAX_RESPONSE_KEY)
        front = (
            f"check what sits between this machine and {self.host} (a proxy, a captive portal or a "
            "load balancer answering for it)"
        )
        if cut.kind == "too_large":
            cap_mib = self.max_response_mib
            size = (
                f"its Content-Length says {cut.declared} bytes"
                if cut.received == 0 and cut.declared is not None
                else f"more than {self.max_response_bytes} bytes once decoded"
            )
            message = (
                f"the answer from {self.host} is larger than the cap of {cap_mib:g} MiB ({size}; "
                f"the cap is {cap_key}, or {MAX_RESPONSE_ENV}); a LaunchDarkly answer is a few MiB at most, "
                "so reading stopped and nothing was stored"
            )
            hint = f"{front}; raise {cap_key} only if the answer really is that large"
            may_have_acted = (
                cut.status is None or 200 <= cut.status < 300 or cut.status in _MAYBE_ACTED_STATUSES
            )
            error: LaunchDarklyError = ResponseTooLargeError(message, method=method, path=path, hint=hint)
        else:
            if cut.phase == "headers":
                what = "it had not sent a complete status line and headers"
            else:  # urllib3 reads a body in whole chunks: a stall and a drip look alike from here
                what = f"it answered HTTP {cut.status}, but its body had stalled or was arriving too slowly"
            message = (
                f"no complete answer from {self.host} within the retry budget of "
                f"{self.retry.budget_seconds:g} s ({budget_key}): {what}, so the request was cut there"
            )
            hint = f"{front}, or raise {budget_key} if the network is just slow"
            may_have_acted = True
            error = ExchangeDeadlineError(message, method=method, path=path, hint=hint)
        if method == "POST" and not retry_ambiguous and may_have_acted:
            return OutcomeUnknownError(
                f"{message}; the subscription may have been created",
                method=method,
                path=path,
                sent_at=sent_at,
            )
        return error

    def _never_sent_error(self, method: str, path: str, failure: _Failure) -> ApiConnectionError:
        if failure.unreachable:
            return HostUnreachableError(
                failure.description,
                method=method,
                path=path,
                hint=f"check the host {self.host_named}, any proxy settings and the network",
            )
        return self._connection_error(failure, method, path)

    def _connection_error(self, failure: _Failure, method: str, path: str) -> ApiConnectionError:
        return ApiConnectionError(
            failure.description,
            method=method,
            path=path,
            hint="run the command again; if it keeps failing, check the network and the host "
            f"{self.host_named}",
        )

    def _budget_spent(self, method: str, path: str) -> RateLimitedError:
        return RateLimitedError(
            status=429,
            code="rate_limited",
            message=(
                f"the route's rate-limit window does not reset within the retry budget of "
                f"{self.retry.budget_seconds:g} s (raise {RETRY_TIMEOUT_ENV} or {RETRY_TIMEOUT_KEY})"
            ),
            request_id=None,
            method=method,
            path=path,
            host=self.host,
        )

    def _redirect_error(self, method: str, path: str, response: requests.Response) -> RedirectRefusedError:
        location = response.headers.get("Location")
        return RedirectRefusedError(
            f"{self.host} answered HTTP {response.status_code}, a redirect to {location!r}; redirects are "
            f"never followed (the token and request body stay with {self.host}): point the host "
            f"({describe_host_source(self.host_source)}) at the URL the API is really served from",
            method=method,
            path=path,
            location=location,
        )

    def _api_error(self, response: requests.Response, method: str, path: str) -> ApiError:
        status = response.status_code
        payload = _launchdarkly_error_body(response)
        if payload is None and status == 404:
            return ApiError(
                status=404,
                code="not_launchdarkly",
                message=(
                    "the answer is not LaunchDarkly's JSON error "
                    f"({_content_type(response) or 'no content type'}), "
                    "so the subscription is not known to be gone"
                ),
                request_id=None,
                method=method,
                path=path,
                host=self.host,
                hint=f"check the host {self.host_named} (a wrong path prefix, or a proxy answering for "
                "LaunchDarkly)",
            )
        code, message, request_id = "unknown", response.reason or "error", None
        if payload is not None:
            code, message = str(payload["code"]), str(payload["message"])
            request_id = str(payload["id"]) if payload.get("id") else None
        elif status >= 500:
            kind = _content_type(response) or "no content type"
            message = f"{response.reason or 'error'} ({kind} answer, not LaunchDarkly's)"
        hint = None
        if status == 401:
            hint = (
                f"check the access token set in {self.token_source}: it may be mistyped, expired or revoked, "
                f"or belong to another LaunchDarkly instance than {self.host_named}"
            )
        elif status == 403:
            hint = (
                f"the access token from {self.token_source} is valid but may not do this: check its role or "
                "custom-role scopes allow managing integrations (audit log subscriptions), and that it is "
                f"meant for {self.host_named}"
            )
        cls = error_class_for(status)
        if cls is NotFoundError and payload is None:
            cls = ApiError
        return cls(
            status=status,
            code=code,
            message=message,
            request_id=request_id,
            method=method,
            path=path,
            retry_after=retry_after_seconds(response) if status == 429 else None,
            host=self.host,
            hint=hint,
        )


def _without_hint(error: LaunchDarklyError) -> str:
    """The error's own sentence (method, path, what happened), without what to do about it."""
    return str(error.args[0]) if error.args else str(error)


def _repeatable(operation: Mapping[str, Any]) -> bool:
    """Whether applying ``operation`` twice equals applying it once.

    ``add`` sets an object member (repeatable) but inserts into an array when its last token is an
    index or ``-`` (a second insert duplicates the item), so only the former is retried.
    """
    if operation.get("op") not in _IDEMPOTENT_PATCH_OPS:
        return False
    last = str(operation.get("path", "")).rsplit("/", 1)[-1]
    return operation.get("op") != "add" or not (last == "-" or last.isdigit())


def _content_type(response: requests.Response) -> str:
    return str(response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def _is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _json_object(response: requests.Response) -> tuple[dict[str, Any], str | None]:
    """The body as a JSON object, or a description of what it is instead."""
    content_type = _content_type(response)
    if not response.content.strip():
        return {}, "its body is empty"
    if not _is_json_type(content_type):
        return {}, f"its body is {content_type or 'of no declared type'}, not JSON"
    try:
        payload = response.json()
    except ValueError:
        payload = _NOT_JSON
    if payload is _NOT_JSON:
        return {}, "its body is not valid JSON"
    if not isinstance(payload, dict):
        return {}, f"its body is a JSON {_json_type(payload)}, not an object"
    return payload, None


_NOT_JSON = object()


def _subscription(
    payload: Mapping[str, Any], integration_key: str, *, where: str = ""
) -> tuple[Subscription | None, str | None]:
    """``payload`` parsed as a subscription of ``integration_key``, or what is wrong with it.

    The one place an answer becomes a :class:`~pulumi_ld_auditsubs.rules.models.Subscription`: its
    ``_id`` an ObjectId, its fields of the right types (``on`` a real boolean), its ``kind`` the
    integration asked for. Names the field, never a value (config may hold secrets).
    """
    if not is_subscription_id(payload.get("_id")):
        return None, f"`{where}_id` is not a subscription id ({_shape(payload.get('_id'))})"
    try:
        parsed = Subscription.model_validate(payload)
    except pydantic.ValidationError as exc:
        fields = "; ".join(
            f"field `{where}{'.'.join(str(part) for part in error['loc'])}`: {error['msg']}"
            for error in exc.errors()[:3]
        )
        return None, f"it is not a subscription ({fields})"
    if parsed.kind != integration_key:
        return None, f"`{where}kind` is {parsed.kind!r}, not {integration_key!r}"
    return parsed, None


def _shape(value: object) -> str:
    """A short description of a bad id, quoting it only when it is short and printable."""
    if value is None:
        return "missing or null"
    if isinstance(value, str) and len(value) <= 40 and value.isprintable():
        return f"got {value!r}"
    return f"got a {_json_type(value)}"


def _json_type(value: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _launchdarkly_error_body(response: requests.Response) -> dict[str, Any] | None:
    """LaunchDarkly's own error document, ``{"code": str, "message": str[, "id": str]}`` as JSON, or None."""
    payload, problem = _json_object(response)
    if problem is not None:
        return None
    if not isinstance(payload.get("code"), str) or not isinstance(payload.get("message"), str):
        return None
    return payload


def _describe(exc: requests.RequestException, host: str) -> _Failure:
    """What happened, by urllib3's exception type (never its text, which may carry internals).

    Nothing was sent when the connection, the proxy tunnel or the TLS handshake failed; those are
    reported at once (one quick retry), since waiting minutes for a wrong host helps nobody.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return _Failure(True, True, f"cannot reach {host}: it did not accept a connection within the timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return _Failure(
            True,
            True,
            f"cannot reach {host}: the TLS handshake failed (certificate not trusted, or not an https "
            "server; a corporate CA goes in REQUESTS_CA_BUNDLE)",
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return _Failure(True, True, f"cannot reach {host}: the HTTPS proxy from the environment failed")
    reason: object = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the real cause
    if isinstance(reason, NameResolutionError):
        return _Failure(True, True, f"cannot reach {host}: its name does not resolve (DNS lookup failed)")
    if isinstance(reason, NewConnectionError):
        return _Failure(
            True,
            True,
            f"cannot reach {host}: the connection was refused or the network is unreachable "
            f"(retried for {REFUSED_RETRY_SECONDS:g} s)",
            refused=True,
        )
    if isinstance(exc, requests.ReadTimeout):
        return _Failure(False, False, f"no answer from {host} within the read timeout")
    if isinstance(exc, requests.ConnectionError):
        return _Failure(False, False, f"the connection to {host} was closed before an answer arrived")
    return _Failure(False, False, f"the answer from {host} could not be read ({type(exc).__name__})")

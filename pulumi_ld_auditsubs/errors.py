"""The errors this library raises when talking to LaunchDarkly.

::

    LaunchDarklyError                  base of everything below
    ├── MissingCredentialsError        no access token in stack config or the environment
    ├── ApiConnectionError             the request never got an HTTP answer (DNS, refused, reset, timeout)
    │   ├── HostUnreachableError       no connection could be opened at all (refused, DNS, unreachable)
    │   ├── ExchangeDeadlineError      the retry budget ran out while the answer was awaited or arriving
    │   └── OutcomeUnknownError        a POST may have been acted on, but its answer was lost or unusable
    ├── ResponseTooLargeError          an answer larger than the cap (ld-auditsubs:maxResponseMiB)
    ├── SettingsError                  a token, host or setting that cannot be used (also a ValueError)
    ├── SubscriptionLookupError        a lookup found nothing where something was required
    ├── InvalidIdError                 an id that is not a 24-hex ObjectId (also a ValueError); nothing sent
    ├── InvalidResponseError           LaunchDarkly answered 2xx with a body that is not what was asked for
    ├── RedirectRefusedError           a 3xx answer; redirects are never followed
    └── ApiError                       LaunchDarkly answered with a 4xx/5xx status
        ├── BadRequestError            400 invalid_request
        ├── AuthenticationError        401 unauthorized
        ├── PermissionDeniedError      403 forbidden
        ├── NotFoundError              404 not_found
        ├── ConflictError              409 optimistic_locking_error
        ├── RateLimitedError           429 rate_limited
        └── ServerError                5xx

Each class says once what to do about it (:attr:`LaunchDarklyError.what_to_do`; a raiser that
knows better, such as the client naming the token's source on a 401, passes ``hint=``), and the
message ends with it. Messages carry the HTTP status, LaunchDarkly's ``code``, ``message`` and
error ``id``, and the request's method and path. They never carry the access token or a request
body (which may hold secret config values): as a last line of defence, :class:`LaunchDarklyError`
scrubs every secret registered with :func:`register_secret` (in its plain, URL-encoded, JSON- and
repr-escaped forms) from its message, whoever built it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import ClassVar
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
_SHORT_SECRET = 6
"""Secrets shorter than this are scrubbed only where they stand alone, so messages stay readable."""

_SECRETS_LOCK = threading.Lock()
_SECRETS: tuple[str, ...] = ()


def register_secret(value: str) -> None:
    """Scrub ``value`` and its encoded forms from every :class:`LaunchDarklyError` message from now on."""
    if not value.strip():
        return  # nothing secret in whitespace, and scrubbing it would mangle every message
    forms = _encoded_forms(value)
    global _SECRETS
    with _SECRETS_LOCK:
        # Longest first, so a secret that contains another is scrubbed whole.
        _SECRETS = tuple(sorted(set(_SECRETS) | forms, key=len, reverse=True))


def _encoded_forms(value: str) -> set[str]:
    """The shapes a secret takes in URLs, JSON, reprs and headers."""
    forms = {value, value.strip()}
    for form in list(forms):
        encoded = quote(form, safe="")
        forms |= {
            encoded,
            re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded),
            quote(form),
            quote_plus(form),
            json.dumps(form)[1:-1],
            json.dumps(form, ensure_ascii=False)[1:-1],
            repr(form)[1:-1],
        }
    return {form for form in forms if form.strip() and form not in ("+", "%20")}


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    for secret in _SECRETS:
        if secret not in text:
            continue
        if len(secret) >= _SHORT_SECRET:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", REDACTED, text)
    return text


class LaunchDarklyError(Exception):
    """Base class of every error raised by this library; its text is always scrubbed."""

    what_to_do: ClassVar[str] = ""
    """What a user does about this kind of error; the message ends with it (or with ``hint``)."""

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*(scrub(arg) if isinstance(arg, str) else arg for arg in args))
        self.hint = scrub(hint) if hint is not None else self.what_to_do

    def __str__(self) -> str:
        text = scrub(super().__str__())
        return f"{text}; {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return scrub(super().__repr__())


LOCAL_ENGINE_ENV = "PULUMI_LD_AUDITSUBS_LOCAL_ENGINE"
"""Set (to ``1``) by ``pulumi-ld-auditsubs local`` for the program and its provider processes, so
that a message saying how to set stack config also names the local engine's way: a user of the
local engine cannot run ``pulumi config set``."""


class MissingCredentialsError(LaunchDarklyError):
    """No access token was configured."""

    def __init__(self, token_key: str = "launchdarkly:accessToken") -> None:
        # ``token_key`` is what this host's user sets: a stack config key (namespaced), or an
        # explicit provider's input (no namespace).
        how = f"pulumi config set --secret {token_key} <token>"
        if os.environ.get(LOCAL_ENGINE_ENV):
            how += f"; with the local engine: --config {token_key}=<token>"
        where = (
            f"the stack config `{token_key}` ({how})"
            if ":" in token_key
            else f"the provider's `{token_key}` input (a secret)"
        )
        super().__init__(
            f"no LaunchDarkly access token: set {where} "
            "or the environment variable `LAUNCHDARKLY_ACCESS_TOKEN`"
        )


class ApiConnectionError(LaunchDarklyError):
    """The request got no HTTP response: connection refused or reset, DNS failure, or timeout."""

    what_to_do = "run the command again; if it keeps failing, check the network and the API host"

    def __init__(self, message: str, *, method: str, path: str, hint: str | None = None) -> None:
        super().__init__(f"{method} {path}: {message}", hint=hint)
        self.method = method
        self.path = path


class HostUnreachableError(ApiConnectionError):
    """No connection could be opened (refused, DNS failure, unreachable): nothing was sent."""

    what_to_do = "check the API host (and any proxy settings) and the network"


class ExchangeDeadlineError(ApiConnectionError):
    """The retry budget ran out while an answer was awaited or still arriving (a drip, a stall)."""


class ResponseTooLargeError(LaunchDarklyError):
    """An answer whose decoded size passed the cap: reading stopped there and nothing was stored."""

    def __init__(self, message: str, *, method: str, path: str, hint: str | None = None) -> None:
        super().__init__(f"{method} {path}: {message}", hint=hint)
        self.method = method
        self.path = path


class OutcomeUnknownError(ApiConnectionError):
    """A POST that the server may have acted on: its answer was lost, late, or unusable.

    Raised for a connection dropped after sending, a read timeout, a 2xx whose body is not a JSON
    object with a well-formed ``_id``, and a gateway 502/504. The caller must not re-send blindly:
    it looks for what this request created. ``sent_at`` is ``time.time()`` just before the first
    attempt that may have reached the server.
    """

    what_to_do = ""  # the recovery that handles it says what to check

    def __init__(self, message: str, *, method: str, path: str, sent_at: float) -> None:
        super().__init__(message, method=method, path=path)
        self.sent_at = sent_at


class SettingsError(LaunchDarklyError, ValueError):
    """A setting that cannot be used; the message names the setting and its source, never a secret value."""


class SubscriptionLookupError(LaunchDarklyError):
    """A lookup found nothing where something was required (a missing subscription or integration)."""


class InvalidIdError(LaunchDarklyError, ValueError):
    """An id or integration key that cannot address a subscription: refused before any request."""


class InvalidResponseError(LaunchDarklyError):
    """A 2xx answer whose body is not the document the request asks for (names request and field)."""

    what_to_do = "check the API host if a proxy sits in front of LaunchDarkly, else run the command again"

    def __init__(self, message: str, *, method: str, path: str, hint: str | None = None) -> None:
        super().__init__(f"{method} {path}: {message}", hint=hint)
        self.method = method
        self.path = path
        self.created_id: str | None = None
        """For a POST: the well-formed ``_id`` of an answer that was otherwise unusable."""


class RedirectRefusedError(LaunchDarklyError):
    """A 3xx answer: never followed, so no body, secret or token reaches another origin."""

    def __init__(self, message: str, *, method: str, path: str, location: str | None) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path
        self.location = location


class ApiError(LaunchDarklyError):
    """LaunchDarkly answered with an error status."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        request_id: str | None,
        method: str,
        path: str,
        retry_after: float | None = None,
        host: str | None = None,
        hint: str | None = None,
    ) -> None:
        detail = f"{method} {path} failed with HTTP {status} {code}: {message}"
        if request_id:
            detail += f" (LaunchDarkly error id {request_id})"
        if host:
            detail += f" [host {host}]"
        super().__init__(detail, hint=hint)
        self.status = status
        self.code = code
        self.api_message = scrub(message)
        self.host = host
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        """Seconds the server asked us to wait (429), if it said."""


class BadRequestError(ApiError):
    """400: LaunchDarkly refused the request body."""

    what_to_do = "LaunchDarkly refused the declared values: fix this resource's inputs as it says"


class AuthenticationError(ApiError):
    """401: the access token is missing, unknown or revoked."""


class PermissionDeniedError(ApiError):
    """403: the token may not perform this action (for example a read-only token writing)."""


class NotFoundError(ApiError):
    """404: unknown integration key or subscription id."""


class ConflictError(ApiError):
    """409: optimistic locking failed; someone changed the subscription concurrently."""

    what_to_do = "it changed at the same time: run `pulumi refresh`, then `pulumi up`"


class RateLimitedError(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait when the server said."""

    what_to_do = "LaunchDarkly kept rate-limiting: run the command again later"


class ServerError(ApiError):
    """5xx: LaunchDarkly failed; usually worth a retry."""

    what_to_do = "LaunchDarkly is failing: run the command again later"


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def error_class_for(status: int) -> type[ApiError]:
    """The most specific :class:`ApiError` subclass for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)

"""The errors this library raises when talking to LaunchDarkly.

::

    LaunchDarklyError                  base of everything below
    ├── MissingCredentialsError        no access token in stack config or the environment
    ├── ApiConnectionError             the request never got an HTTP answer (DNS, refused, reset, timeout)
    │   └── OutcomeUnknownError        a POST may have been acted on, but its answer was lost or unusable
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

Messages carry the HTTP status, LaunchDarkly's ``code``, ``message`` and error ``id``, and the
request's method and path. They never carry the access token or a request body (which may hold
secret config values).
"""

from __future__ import annotations


class LaunchDarklyError(Exception):
    """Base class of every error raised by this library's API client."""


class MissingCredentialsError(LaunchDarklyError):
    """No access token was configured."""

    def __init__(self) -> None:
        super().__init__(
            "no LaunchDarkly access token: set the stack config `launchdarkly:accessToken` "
            "(pulumi config set --secret launchdarkly:accessToken <token>) or the environment "
            "variable `LAUNCHDARKLY_ACCESS_TOKEN`"
        )


class ApiConnectionError(LaunchDarklyError):
    """The request got no HTTP response: connection refused or reset, DNS failure, or timeout."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path


class OutcomeUnknownError(ApiConnectionError):
    """A POST that the server may have acted on: its answer was lost, late, or unusable.

    Raised for a connection dropped after sending, a read timeout, a 2xx whose body is not a JSON
    object with a well-formed ``_id``, and a gateway 502/504. The caller must not re-send blindly:
    it looks for what this request created. ``sent_at`` is ``time.time()`` just before the first
    attempt that may have reached the server.
    """

    def __init__(self, message: str, *, method: str, path: str, sent_at: float) -> None:
        super().__init__(message, method=method, path=path)
        self.sent_at = sent_at


class InvalidResponseError(LaunchDarklyError):
    """A 2xx answer whose body is not the document the request asks for (names request and field)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path


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
    ) -> None:
        detail = f"{method} {path} failed with HTTP {status} {code}: {message}"
        if request_id:
            detail += f" (LaunchDarkly error id {request_id})"
        super().__init__(detail)
        self.status = status
        self.code = code
        self.api_message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        """Seconds the server asked us to wait (429), if it said."""


class BadRequestError(ApiError):
    """400: LaunchDarkly refused the request body."""


class AuthenticationError(ApiError):
    """401: the access token is missing, unknown or revoked."""


class PermissionDeniedError(ApiError):
    """403: the token may not perform this action (for example a read-only token writing)."""


class NotFoundError(ApiError):
    """404: unknown integration key or subscription id."""


class ConflictError(ApiError):
    """409: optimistic locking failed; someone changed the subscription concurrently."""


class RateLimitedError(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait when the server said."""


class ServerError(ApiError):
    """5xx: LaunchDarkly failed; usually worth a retry."""


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

"""Typed emulator errors: each knows its HTTP status, LaunchDarkly's wire ``code`` and default message.

::

    EmulatorError                   base; ``status``, ``code``, ``message``, ``headers``
    ├── InvalidRequest              400 invalid_request
    ├── Unauthorized                401 unauthorized
    ├── Forbidden                   403 forbidden
    ├── NotFound                    404 not_found
    ├── MethodNotAllowed            405 method_not_allowed
    ├── OptimisticLockingError      409 optimistic_locking_error (only through fault injection)
    ├── RateLimited                 429 rate_limited
    └── InternalError               500 internal_server_error

Handlers and the store raise these; the server turns them into LaunchDarkly's common error body
``{"code", "message", "id"}`` (a fresh UUID ``id`` per response) with ``Content-Type: application/json``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar


class EmulatorError(Exception):
    """An error the emulator answers with LaunchDarkly's common error body."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_server_error"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None, *, headers: Mapping[str, str] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.headers: dict[str, str] = dict(headers or {})
        """Extra response headers, e.g. ``Retry-After`` on a 429."""
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        """The JSON error body, with a new random ``id``."""
        return {"code": self.code, "message": self.message, "id": str(uuid.uuid4())}


class InvalidRequest(EmulatorError):
    """400: the body or patch cannot be accepted; the message names the offending field."""

    status = 400
    code = "invalid_request"
    default_message = "Invalid request body"


class Unauthorized(EmulatorError):
    """401: missing or unknown access token."""

    status = 401
    code = "unauthorized"
    default_message = "Invalid access token"


class Forbidden(EmulatorError):
    """403: a read-only token tried to write."""

    status = 403
    code = "forbidden"
    default_message = "Forbidden. Access to the requested resource was denied."


class NotFound(EmulatorError):
    """404: unknown path, integration key or subscription id."""

    status = 404
    code = "not_found"
    default_message = "Invalid resource identifier"


class MethodNotAllowed(EmulatorError):
    """405: the path exists but not with this verb."""

    status = 405
    code = "method_not_allowed"
    default_message = "Method not allowed"


class OptimisticLockingError(EmulatorError):
    """409: never raised by the store; available for fault injection."""

    status = 409
    code = "optimistic_locking_error"
    default_message = "Conflict. Optimistic lock error. Try again later."


class RateLimited(EmulatorError):
    """429: the route's request budget for the current window is spent."""

    status = 429
    code = "rate_limited"
    default_message = "You've exceeded the API rate limit. Try again later."


class InternalError(EmulatorError):
    """500: used for injected faults with a 5xx status and for emulator bugs."""


_BY_STATUS: dict[int, type[EmulatorError]] = {
    cls.status: cls
    for cls in (
        InvalidRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        OptimisticLockingError,
        RateLimited,
        InternalError,
    )
}

_GENERIC_CODES: dict[int, str] = {
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def error_body_for_status(status: int) -> dict[str, Any]:
    """A LaunchDarkly-style error body whose ``code`` matches ``status`` (used by fault injection)."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls().body()
    code = _GENERIC_CODES.get(status, "internal_server_error" if status >= 500 else "invalid_request")
    return {"code": code, "message": f"Injected fault: HTTP {status}", "id": str(uuid.uuid4())}

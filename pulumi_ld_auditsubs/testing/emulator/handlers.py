"""HTTP <-> parameters: one method per endpoint, turning a decoded request into a store call.

Like moto's ``responses.py``. Each handler receives the route's named groups as keyword arguments
plus the raw request body, parses JSON, calls :class:`~.store.SubscriptionStore` and returns a
:class:`Response`. Errors are raised as :mod:`~.errors` types and rendered by the server.

Not emulated: request ``Content-Type`` is not checked (any body is parsed as JSON), query strings are
ignored, JSON merge patch and semantic patch bodies are refused as invalid JSON Patch, and the
``LD-API-Version`` header is accepted whatever its value (no version changes this endpoint).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pulumi_ld_auditsubs.testing.emulator.errors import InvalidRequest
from pulumi_ld_auditsubs.testing.emulator.routes import Route
from pulumi_ld_auditsubs.testing.emulator.store import SubscriptionStore
from pulumi_ld_auditsubs.testing.emulator.validation import patch_operations


@dataclass
class Response:
    """What the server writes back: a status, a JSON body (None = empty) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    """Exact bytes to send instead of ``body`` as JSON (fault injection: HTML pages, garbled bodies)."""
    content_type: str | None = None
    """Overrides the ``Content-Type`` (default ``application/json`` for a JSON body, none for raw bytes)."""


def parse_json(body: bytes) -> Any:
    """The request body as JSON; an empty or malformed body is a 400."""
    if not body.strip():
        raise InvalidRequest("request body is required (a JSON document)")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None


class SubscriptionHandlers:
    """The five audit-log-subscription endpoints."""

    def __init__(self, store: SubscriptionStore) -> None:
        self.store = store

    def dispatch(self, route: Route, method: str, params: Mapping[str, str], body: bytes) -> Response:
        """Call the handler ``route`` names for ``method``."""
        handler = cast(Callable[..., Response], getattr(self, route.methods[method]))
        return handler(body=body, **params)

    def create_subscription(self, *, integration_key: str, body: bytes) -> Response:
        """``POST /api/v2/integrations/{integrationKey}`` -> 201 Integration."""
        self.store.integration(integration_key)
        return Response(201, self.store.create(integration_key, parse_json(body)))

    def list_subscriptions(self, *, integration_key: str, body: bytes) -> Response:
        """``GET /api/v2/integrations/{integrationKey}`` -> 200 Integrations."""
        return Response(200, self.store.collection(integration_key))

    def get_subscription(self, *, integration_key: str, subscription_id: str, body: bytes) -> Response:
        """``GET /api/v2/integrations/{integrationKey}/{id}`` -> 200 Integration."""
        return Response(200, self.store.get(integration_key, subscription_id))

    def update_subscription(self, *, integration_key: str, subscription_id: str, body: bytes) -> Response:
        """``PATCH /api/v2/integrations/{integrationKey}/{id}`` -> 200 Integration."""
        self.store.get(integration_key, subscription_id)
        operations = patch_operations(parse_json(body))
        return Response(200, self.store.patch(integration_key, subscription_id, operations))

    def delete_subscription(self, *, integration_key: str, subscription_id: str, body: bytes) -> Response:
        """``DELETE /api/v2/integrations/{integrationKey}/{id}`` -> 204, empty body."""
        self.store.delete(integration_key, subscription_id)
        return Response(204)

"""Helpers shared by the emulator tests: valid bodies, a tiny HTTP client and error assertions."""

from __future__ import annotations

import copy
import weakref
from typing import Any, ClassVar

import requests

from pulumi_ld_auditsubs.testing import Emulator

DATADOG_BODY: dict[str, Any] = {
    "name": "Production audit log to Datadog",
    "config": {"apiKey": "dd-secret-api-key-0123", "hostURL": "https://api.datadoghq.eu"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
    "on": True,
    "tags": ["managed-by-pulumi"],
}
"""A valid datadog create body; tests take deep copies through :func:`datadog_body`."""


def datadog_body(**overrides: Any) -> dict[str, Any]:
    """A fresh valid datadog create body with top-level ``overrides`` applied."""
    body = copy.deepcopy(DATADOG_BODY)
    body.update(overrides)
    return body


class Api:
    """Thin requests wrapper that speaks the five endpoints of one emulator.

    ``token=None`` uses the emulator's token; ``token=""`` sends no ``Authorization`` header. Every
    instance is closed after its test (see ``conftest.py``) so no socket is left to the GC.
    """

    open_clients: ClassVar[weakref.WeakSet[Api]] = weakref.WeakSet()

    def __init__(self, emulator: Emulator, token: str | None = None) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        Api.open_clients.add(self)
        if token is None:
            token = emulator.token
        if token:
            self.session.headers["Authorization"] = token
        self.session.headers["LD-API-Version"] = "20240415"

    def url(self, path: str) -> str:
        return self.emulator.url + path

    def collection(self, key: str) -> str:
        return self.url(f"/api/v2/integrations/{key}")

    def item(self, key: str, subscription_id: str) -> str:
        return self.url(f"/api/v2/integrations/{key}/{subscription_id}")

    def create(self, key: str = "datadog", body: Any = None, **kwargs: Any) -> requests.Response:
        payload = datadog_body() if body is None else body
        return self.session.post(self.collection(key), json=payload, **kwargs)

    def created(self, key: str = "datadog", body: Any = None) -> dict[str, Any]:
        """Create and return the representation, asserting success."""
        response = self.create(key, body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def list(self, key: str = "datadog", **kwargs: Any) -> requests.Response:
        return self.session.get(self.collection(key), **kwargs)

    def get(self, key: str, subscription_id: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.item(key, subscription_id), **kwargs)

    def patch(self, key: str, subscription_id: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.session.patch(self.item(key, subscription_id), json=body, **kwargs)

    def delete(self, key: str, subscription_id: str, **kwargs: Any) -> requests.Response:
        return self.session.delete(self.item(key, subscription_id), **kwargs)

    def close(self) -> None:
        self.session.close()

    @classmethod
    def close_all(cls) -> None:
        for client in list(cls.open_clients):
            client.close()


def assert_error(response: requests.Response, status: int, code: str, *fragments: str) -> dict[str, Any]:
    """Assert LaunchDarkly's error format, the status, the code and that the message has ``fragments``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "id"}
    assert body["code"] == code
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body

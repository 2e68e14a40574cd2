"""Auth, routing and transport errors: every one is LaunchDarkly's JSON error body."""

from __future__ import annotations

import http.client
import uuid

import pytest
import requests

from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api, assert_error, datadog_body

FIVE_ROUTES = [
    ("POST", "/api/v2/integrations/datadog"),
    ("GET", "/api/v2/integrations/datadog"),
    ("GET", "/api/v2/integrations/datadog/{id}"),
    ("PATCH", "/api/v2/integrations/datadog/{id}"),
    ("DELETE", "/api/v2/integrations/datadog/{id}"),
]


def _send(api: Api, method: str, path: str, subscription_id: str) -> requests.Response:
    body = [{"op": "replace", "path": "/on", "value": False}] if method == "PATCH" else datadog_body()
    return api.session.request(
        method, api.url(path.format(id=subscription_id)), json=body if method in ("POST", "PATCH") else None
    )


def test_error_ids_are_fresh_uuids(api: Api) -> None:
    first = assert_error(api.get("datadog", "fake-id"), 404, "not_found")
    second = assert_error(api.get("datadog", "fake-id"), 404, "not_found")
    assert uuid.UUID(first["id"]) != uuid.UUID(second["id"])


@pytest.mark.parametrize(("method", "path"), FIVE_ROUTES)
@pytest.mark.parametrize("token", [None, "", "api-wrong", "Bearer api-wrong", "api-emulatorx"])
def test_missing_or_unknown_token_is_401_on_every_route(
    emulator: Emulator, method: str, path: str, token: str | None
) -> None:
    subscription_id = Api(emulator).created()["_id"]
    client = Api(emulator, token="")
    if token is not None:
        client.session.headers["Authorization"] = token
    response = _send(client, method, path, subscription_id)
    assert_error(response, 401, "unauthorized", "Invalid access token")
    assert len(emulator.subscriptions()) == 1
    assert emulator.subscriptions()[0]["on"] is True


def test_custom_tokens_replace_the_default() -> None:
    with Emulator(tokens=("api-one", "api-two")) as emulator:
        assert emulator.token == "api-one"
        assert Api(emulator, token="api-two").list().status_code == 200
        assert_error(Api(emulator, token="api-emulator").list(), 401, "unauthorized")


@pytest.mark.parametrize(("method", "path"), [r for r in FIVE_ROUTES if r[0] != "GET"])
def test_read_only_token_may_not_write(method: str, path: str) -> None:
    with Emulator(read_only_tokens=("api-reader",)) as emulator:
        subscription_id = Api(emulator).created()["_id"]
        reader = Api(emulator, token="api-reader")
        response = _send(reader, method, path, subscription_id)
        assert_error(response, 403, "forbidden", "Access to the requested resource was denied")
        assert [s["on"] for s in emulator.subscriptions()] == [True]


def test_read_only_token_may_read() -> None:
    with Emulator(read_only_tokens=("api-reader",)) as emulator:
        subscription_id = Api(emulator).created()["_id"]
        reader = Api(emulator, token="api-reader")
        assert reader.list().status_code == 200
        assert reader.get("datadog", subscription_id).status_code == 200


@pytest.mark.parametrize(("method", "path"), FIVE_ROUTES)
def test_unknown_integration_key_is_404_on_every_route(api: Api, method: str, path: str) -> None:
    subscription_id = api.created()["_id"]
    response = _send(api, method, path.replace("datadog", "no-such-integration"), subscription_id)
    assert_error(response, 404, "not_found", "Invalid resource identifier")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "bad_id", ["fake-id", "0123456789abcdef01234567", "0123456789ABCDEF01234567", "x" * 24]
)
def test_unknown_or_malformed_id_is_404(api: Api, method: str, bad_id: str) -> None:
    api.created()
    response = _send(api, method, "/api/v2/integrations/datadog/{id}", bad_id)
    assert_error(response, 404, "not_found", "Invalid resource identifier")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_id_of_another_integration_key_is_404(api: Api, method: str) -> None:
    honeycomb = api.created(
        "honeycomb", {"name": "hc", "config": {"apiKey": "0123456789", "datasetName": "ld"}}
    )
    response = _send(api, method, "/api/v2/integrations/datadog/{id}", honeycomb["_id"])
    assert_error(response, 404, "not_found")
    assert len(api.emulator.subscriptions("honeycomb")) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v2/integrations",
        "/api/v2/integrations/",
        "/api/v2/flags/x",
        "/api/v2/integrations/datadog/a/b",
    ],
)
def test_unknown_paths_are_404(api: Api, path: str) -> None:
    assert_error(api.session.get(api.url(path)), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v2/integrations/datadog"),
        ("PATCH", "/api/v2/integrations/datadog"),
        ("DELETE", "/api/v2/integrations/datadog"),
        ("PUT", "/api/v2/integrations/datadog/{id}"),
        ("POST", "/api/v2/integrations/datadog/{id}"),
        ("OPTIONS", "/api/v2/integrations/datadog/{id}"),
    ],
)
def test_other_verbs_are_405(api: Api, method: str, path: str) -> None:
    subscription_id = api.created()["_id"]
    response = api.session.request(method, api.url(path.format(id=subscription_id)))
    assert_error(response, 405, "method_not_allowed", "Method not allowed")


def test_method_override_to_an_unsupported_verb_is_405(api: Api) -> None:
    subscription_id = api.created()["_id"]
    response = api.session.post(
        api.item("datadog", subscription_id), headers={"X-HTTP-Method-Override": "PUT"}
    )
    assert_error(response, 405, "method_not_allowed")


def test_head_gets_405_headers_without_a_body(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        connection.request("HEAD", "/api/v2/integrations/datadog", headers={"Authorization": emulator.token})
        response = connection.getresponse()
        assert response.status == 405
        assert response.read() == b""
        connection.request("GET", "/api/v2/integrations/datadog", headers={"Authorization": emulator.token})
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_unknown_verb_is_405_json(emulator: Emulator) -> None:
    response = requests.request("BREW", emulator.url + "/api/v2/integrations/datadog", timeout=5)
    assert_error(response, 405, "method_not_allowed")


def test_invalid_json_body_is_400(api: Api) -> None:
    response = api.session.post(
        api.collection("datadog"), data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_request", "request body is not valid JSON")


def test_empty_body_is_400(api: Api) -> None:
    response = api.session.post(api.collection("datadog"))
    assert_error(response, 400, "invalid_request", "request body is required")


def test_invalid_content_length_is_400_and_closes_the_connection(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        connection.putrequest("POST", "/api/v2/integrations/datadog")
        connection.putheader("Authorization", emulator.token)
        connection.putheader("Content-Length", "abc")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 400
        assert response.getheader("Connection") == "close"
        assert response.getheader("Content-Type") == "application/json"
    finally:
        connection.close()


def test_unexpected_handler_bug_is_a_json_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api.emulator._app.handlers, "list_subscriptions", explode)
    assert_error(api.list(), 500, "internal_server_error")


def test_non_loopback_host_is_refused() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="example.com")


def test_constructor_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError):
        Emulator(tokens="api-emulator")
    with pytest.raises(ValueError, match="token"):
        Emulator(tokens=())
    with pytest.raises(ValueError, match="latency"):
        Emulator(latency_ms=-1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = Emulator().url

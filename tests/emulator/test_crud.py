"""The five endpoints' happy paths over real HTTP: shapes, defaults, keep-alive and concurrency."""

from __future__ import annotations

import http.client
import json
import re
import threading
from typing import Any

from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api, datadog_body

ID = re.compile(r"^[0-9a-f]{24}$")


def test_create_returns_201_with_the_integration_representation(api: Api) -> None:
    response = api.create()
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    body = response.json()
    assert ID.match(body["_id"])
    sid = body["_id"]
    assert body == {
        "_id": sid,
        "kind": "datadog",
        "name": "Production audit log to Datadog",
        "config": {
            "apiKey": "dd-****************123",
            "hostURL": "https://api.datadoghq.eu",
            "hideMemberDetails": False,
        },
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
        "on": True,
        "tags": ["managed-by-pulumi"],
        "_links": {
            "self": {"href": f"/api/v2/integrations/datadog/{sid}", "type": "application/json"},
            "parent": {"href": "/api/v2/integrations/datadog", "type": "application/json"},
        },
        "_access": {"allowed": [], "denied": []},
        "_status": {"successCount": 0, "errorCount": 0},
    }


def test_omitted_on_tags_and_statements_get_documented_defaults(api: Api) -> None:
    body = api.created(body={"name": "minimal", "config": {"apiKey": "k" * 12}})
    assert body["on"] is False
    assert body["tags"] == []
    assert body["statements"] == []


def test_manifest_defaults_fill_omitted_optional_config(api: Api) -> None:
    datadog = api.created(body={"name": "dd", "config": {"apiKey": "0123456789"}})
    assert datadog["config"]["hostURL"] == "https://api.datadoghq.com"
    assert datadog["config"]["hideMemberDetails"] is False
    logdna = api.created("logdna", {"name": "ldna", "config": {"ingestionKey": "0123456789"}})
    assert logdna["config"]["level"] == "INFO"
    dynatrace = api.created(
        "dynatrace",
        {"name": "dt", "config": {"apiToken": "0123456789", "url": "https://x.live.dynatrace.com"}},
    )
    assert dynatrace["config"]["entity"] == "APPLICATION"
    assert dynatrace["config"]["tag"] == ""


def test_ids_are_random_24_hex(api: Api) -> None:
    ids = {api.created()["_id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(ID.match(i) for i in ids)


def test_get_returns_what_create_returned(api: Api) -> None:
    created = api.created()
    response = api.get("datadog", created["_id"])
    assert response.status_code == 200
    assert response.json() == created


def test_list_returns_the_collection_of_one_integration_key(api: Api) -> None:
    first = api.created()
    second = api.created()
    api.created("msteams", {"name": "teams", "config": {"url": "https://example.webhook.office.com/x"}})
    response = api.list("datadog")
    assert response.status_code == 200
    assert response.json() == {
        "_links": {"self": {"href": "/api/v2/integrations/datadog", "type": "application/json"}},
        "items": [first, second],
        "key": "datadog",
    }


def test_list_of_a_known_key_without_subscriptions_is_empty(api: Api) -> None:
    assert api.list("honeycomb").json()["items"] == []


def test_patch_returns_200_with_the_updated_representation(api: Api) -> None:
    created = api.created()
    response = api.patch("datadog", created["_id"], [{"op": "replace", "path": "/on", "value": False}])
    assert response.status_code == 200
    assert response.json() == {**created, "on": False}
    assert api.get("datadog", created["_id"]).json()["on"] is False


def test_delete_returns_204_with_an_empty_body_and_the_subscription_is_gone(api: Api) -> None:
    created = api.created()
    response = api.delete("datadog", created["_id"])
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert api.get("datadog", created["_id"]).status_code == 404
    assert api.delete("datadog", created["_id"]).status_code == 404
    assert api.list().json()["items"] == []


def test_method_override_tunnels_patch_and_delete_through_post(api: Api) -> None:
    created = api.created()
    url = api.item("datadog", created["_id"])
    patched = api.session.post(
        url,
        json=[{"op": "replace", "path": "/name", "value": "renamed"}],
        headers={"X-HTTP-Method-Override": "PATCH"},
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "renamed"
    deleted = api.session.post(url, headers={"X-HTTP-Method-Override": "delete"})
    assert deleted.status_code == 204
    assert api.emulator.requests[-1].method == "DELETE"
    assert api.emulator.subscriptions() == []


def test_method_override_is_ignored_on_other_verbs(api: Api) -> None:
    created = api.created()
    response = api.session.get(
        api.item("datadog", created["_id"]), headers={"X-HTTP-Method-Override": "DELETE"}
    )
    assert response.status_code == 200
    assert len(api.emulator.subscriptions()) == 1


def test_legacy_top_level_url_is_echoed_and_legacy_api_key_masked(api: Api) -> None:
    body = api.created(
        "slack",
        {
            "name": "legacy",
            "config": {"url": "https://hooks.slack.com/services/X"},
            "url": "https://hooks.slack.com/x",
        },
    )
    assert body["url"] == "https://hooks.slack.com/x"
    dd = api.created(body=datadog_body(apiKey="legacy-datadog-key"))
    assert dd["apiKey"] == "leg************key"
    assert api.emulator.subscriptions("datadog")[0]["apiKey"] == "legacy-datadog-key"


def test_bearer_prefix_is_accepted(emulator: Emulator) -> None:
    client = Api(emulator, token=f"Bearer {emulator.token}")
    assert client.list().status_code == 200


def test_keep_alive_two_requests_share_one_connection(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        headers = {"Authorization": emulator.token}
        connection.request("GET", "/api/v2/integrations/datadog", headers=headers)
        first = connection.getresponse()
        assert first.version == 11
        assert first.status == 200
        first.read()
        socket_after_first = connection.sock
        assert socket_after_first is not None
        body = json.dumps(datadog_body())
        connection.request(
            "POST",
            "/api/v2/integrations/datadog",
            body=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        second = connection.getresponse()
        assert second.status == 201
        second.read()
        assert connection.sock is socket_after_first
        connection.request(
            "DELETE", f"/api/v2/integrations/datadog/{emulator.subscriptions()[0]['_id']}", headers=headers
        )
        third = connection.getresponse()
        assert third.status == 204
        assert third.read() == b""
        assert connection.sock is socket_after_first
    finally:
        connection.close()


def test_chunked_request_bodies_are_read(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        payload = json.dumps(datadog_body()).encode()
        chunks = iter([payload[:10], payload[10:]])
        connection.request(
            "POST",
            "/api/v2/integrations/datadog",
            body=chunks,
            headers={"Authorization": emulator.token, "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 201, response.read()
    finally:
        connection.close()


def test_twenty_concurrent_creates_get_distinct_ids(emulator: Emulator) -> None:
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def create(index: int) -> None:
        client = Api(emulator)
        try:
            barrier.wait()
            created = client.created(body=datadog_body(name=f"concurrent {index}"))
            with lock:
                results.append(created)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r["_id"] for r in results}) == 20
    assert {r["name"] for r in results} == {f"concurrent {i}" for i in range(20)}
    assert len(emulator.subscriptions("datadog")) == 20


def test_recorded_requests_redact_the_token_and_keep_bodies(api: Api) -> None:
    created = api.created()
    api.get("datadog", "fake-id")
    recorded = api.emulator.requests
    assert [(r.method, r.path, r.status) for r in recorded] == [
        ("POST", "/api/v2/integrations/datadog", 201),
        ("GET", "/api/v2/integrations/datadog/fake-id", 404),
    ]
    assert recorded[0].headers["Authorization"] == "<redacted>"
    assert recorded[0].headers["LD-API-Version"] == "20240415"
    assert recorded[0].body == datadog_body()
    assert recorded[1].body is None
    assert created["_id"]
    api.emulator.clear_requests()
    assert api.emulator.requests == []


def test_subscriptions_hook_returns_plaintext_copies(api: Api) -> None:
    created = api.created()
    stored = api.emulator.subscriptions()
    assert stored[0]["_id"] == created["_id"]
    assert stored[0]["config"]["apiKey"] == "dd-secret-api-key-0123"
    stored[0]["name"] = "mutated"
    assert api.emulator.subscriptions("datadog")[0]["name"] == created["name"]
    assert api.emulator.subscriptions("honeycomb") == []


def test_reset_forgets_everything(api: Api) -> None:
    api.created()
    api.emulator.inject_fault("GET", "*", status=500)
    api.emulator.reset()
    assert api.emulator.subscriptions() == []
    assert api.emulator.requests == []
    assert api.list().status_code == 200


def test_emulator_properties_and_restart(emulator: Emulator) -> None:
    assert emulator.url == f"http://127.0.0.1:{emulator.port}"
    assert not emulator.url.endswith("/")
    assert emulator.token == "api-emulator"
    emulator.stop()
    emulator.stop()
    emulator.start()
    assert Api(emulator).list().status_code == 200


def test_ipv6_loopback_url_has_brackets() -> None:
    try:
        emulator = Emulator(host="::1").start()
    except OSError:  # pragma: no cover - hosts without IPv6
        return
    try:
        assert emulator.url == f"http://[::1]:{emulator.port}"
        assert Api(emulator).list().status_code == 200
    finally:
        emulator.stop()

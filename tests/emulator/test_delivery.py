"""Delivery simulation: ``POST /_emulator/events`` and ``PUT /_emulator/delivery/<key>/<id>``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.emulator.store import MAX_ERROR_LOG

from ._support import Api, assert_error, datadog_body

PROD_FLAG = "proj/web:env/production:flag/checkout"
STAGING_FLAG = "proj/web:env/staging:flag/checkout"


def post_event(api: Api, resource: str = PROD_FLAG, action: str = "updateOn") -> requests.Response:
    return api.session.post(api.url("/_emulator/events"), json={"resource": resource, "action": action})


def delivered(api: Api, resource: str = PROD_FLAG, action: str = "updateOn") -> list[str]:
    response = post_event(api, resource, action)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"deliveredTo"}
    result: list[str] = body["deliveredTo"]
    return result


def set_error(api: Api, key: str, subscription_id: str, error: Any) -> requests.Response:
    return api.session.put(api.url(f"/_emulator/delivery/{key}/{subscription_id}"), json={"error": error})


def status_of(api: Api, subscription_id: str, key: str = "datadog") -> dict[str, Any]:
    response = api.get(key, subscription_id)
    assert response.status_code == 200
    status: dict[str, Any] = response.json()["_status"]
    return status


def test_an_event_reaches_enabled_matching_subscriptions_and_counts_a_success(api: Api) -> None:
    receiver = api.created()["_id"]
    other_env = api.created(
        body=datadog_body(
            statements=[{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/staging:flag/*"]}]
        )
    )["_id"]
    disabled = api.created(body=datadog_body(on=False))["_id"]
    denied = api.created(
        body=datadog_body(
            statements=[
                {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]},
                {"effect": "deny", "actions": ["updateOn"], "resources": ["proj/*:env/production:flag/*"]},
            ]
        )
    )["_id"]
    before = int(time.time() * 1000)

    assert delivered(api) == [f"datadog/{receiver}"]

    status = status_of(api, receiver)
    assert set(status) == {"successCount", "errorCount", "lastSuccess"}
    assert status["successCount"] == 1 and status["errorCount"] == 0
    assert before <= status["lastSuccess"] <= int(time.time() * 1000) + 1
    for untouched in (other_env, disabled, denied):
        assert status_of(api, untouched) == {"successCount": 0, "errorCount": 0}
    listed = {item["_id"]: item["_status"] for item in api.list().json()["items"]}
    assert listed[receiver] == status
    assert delivered(api, STAGING_FLAG) == [f"datadog/{other_env}", f"datadog/{denied}"]
    assert delivered(api, PROD_FLAG, "createFlag") == [f"datadog/{receiver}", f"datadog/{denied}"]


def test_no_receiver_is_an_empty_list(api: Api) -> None:
    assert delivered(api) == []
    api.created(body=datadog_body(on=False))
    assert delivered(api) == []


def test_a_failing_destination_records_errors_until_healed(api: Api) -> None:
    sid = api.created()["_id"]
    assert delivered(api) == [f"datadog/{sid}"]
    error = {"statusCode": 403, "responseBody": '{"errors":["Forbidden"]}'}
    response = set_error(api, "datadog", sid, error)
    assert response.status_code == 200
    assert response.json() == {"error": error}

    assert delivered(api) == [f"datadog/{sid}"]  # the event still goes to it; the destination refuses
    assert delivered(api) == [f"datadog/{sid}"]
    status = status_of(api, sid)
    assert status["successCount"] == 1
    assert status["errorCount"] == 2
    assert status["lastError"] > status["lastSuccess"]
    assert [e["statusCode"] for e in status["errors"]] == [403, 403]
    assert status["errors"][-1] == {**error, "timestamp": status["lastError"]}
    assert status["errors"][0]["timestamp"] < status["errors"][1]["timestamp"]

    assert set_error(api, "datadog", sid, None).json() == {"error": None}
    assert delivered(api) == [f"datadog/{sid}"]
    healed = status_of(api, sid)
    assert healed["successCount"] == 2 and healed["errorCount"] == 2
    assert healed["lastSuccess"] > healed["lastError"]
    assert healed["errors"] == status["errors"]  # the error log is history, kept


def test_response_body_defaults_to_empty(api: Api) -> None:
    sid = api.created()["_id"]
    assert set_error(api, "datadog", sid, {"statusCode": 500}).json() == {
        "error": {"statusCode": 500, "responseBody": ""}
    }
    delivered(api)
    assert status_of(api, sid)["errors"][0]["responseBody"] == ""


def test_status_and_failure_survive_a_patch(api: Api) -> None:
    sid = api.created()["_id"]
    delivered(api)
    set_error(api, "datadog", sid, {"statusCode": 401, "responseBody": "bad key"})
    patched = api.patch("datadog", sid, [{"op": "replace", "path": "/name", "value": "renamed"}])
    assert patched.status_code == 200
    assert patched.json()["_status"]["successCount"] == 1
    delivered(api)
    status = status_of(api, sid)
    assert (status["successCount"], status["errorCount"]) == (1, 1)
    assert "_deliveryError" not in api.get("datadog", sid).json()


def test_a_disabled_subscription_receives_nothing_until_enabled(api: Api) -> None:
    sid = api.created(body=datadog_body(on=False))["_id"]
    assert delivered(api) == []
    api.patch("datadog", sid, [{"op": "replace", "path": "/on", "value": True}])
    assert delivered(api) == [f"datadog/{sid}"]


def test_the_error_log_keeps_the_newest_entries(emulator: Emulator, api: Api) -> None:
    sid = api.created()["_id"]
    emulator.fail_delivery("datadog", sid, 502, "first")
    emulator.deliver(PROD_FLAG, "updateOn")
    emulator.fail_delivery("datadog", sid, 503, "later")
    for _ in range(MAX_ERROR_LOG):
        assert emulator.deliver(PROD_FLAG, "updateOn") == [f"datadog/{sid}"]
    status = status_of(api, sid)
    assert status["errorCount"] == MAX_ERROR_LOG + 1
    assert len(status["errors"]) == MAX_ERROR_LOG
    assert {e["statusCode"] for e in status["errors"]} == {503}
    emulator.fail_delivery("datadog", sid, None)
    emulator.deliver(PROD_FLAG, "updateOn")
    assert status_of(api, sid)["successCount"] == 1


def test_delivery_state_is_persisted(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as first:
        api = Api(first)
        sid = api.created()["_id"]
        delivered(api)
        set_error(api, "datadog", sid, {"statusCode": 403, "responseBody": "no"})
        before = status_of(api, sid)
        api.close()
    with Emulator(state_file=state) as second:
        api = Api(second)
        assert status_of(api, sid) == before
        delivered(api)  # the failure setting survived the restart too
        assert status_of(api, sid)["errorCount"] == 1
        api.close()


@pytest.mark.parametrize(
    "body",
    [
        {"resource": PROD_FLAG},
        {"action": "updateOn"},
        {"resource": PROD_FLAG, "action": "updateOn", "extra": 1},
        {"resource": "", "action": "updateOn"},
        {"resource": PROD_FLAG, "action": ""},
        {"resource": 7, "action": "updateOn"},
        [PROD_FLAG, "updateOn"],
        {"resource": "proj/web:", "action": "updateOn"},
        {"resource": "proj/web:env/production:flag/checkout;", "action": "updateOn"},
    ],
)
def test_a_bad_event_is_a_400(api: Api, body: Any) -> None:
    api.created()
    response = api.session.post(api.url("/_emulator/events"), json=body)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"error": {"statusCode": 403}, "extra": True},
        {"error": "403"},
        {"error": {"statusCode": "403"}},
        {"error": {"statusCode": True}},
        {"error": {"statusCode": 99}},
        {"error": {"statusCode": 600}},
        {"error": {"statusCode": 403, "responseBody": 1}},
        {"error": {"statusCode": 403, "body": "x"}},
        [],
    ],
)
def test_a_bad_delivery_setting_is_a_400(api: Api, body: Any) -> None:
    sid = api.created()["_id"]
    response = api.session.put(api.url(f"/_emulator/delivery/datadog/{sid}"), json=body)
    assert_error(response, 400, "invalid_request")


def test_an_empty_delivery_body_is_a_400(api: Api) -> None:
    sid = api.created()["_id"]
    assert_error(api.session.put(api.url(f"/_emulator/delivery/datadog/{sid}")), 400, "invalid_request")


@pytest.mark.parametrize(
    "path",
    [
        "/_emulator/delivery/datadog/65f0c0ffee0123456789abcd",
        "/_emulator/delivery/splunk/{sid}",
        "/_emulator/delivery/no-such-integration/{sid}",
        "/_emulator/delivery/datadog/not-an-id",
        "/_emulator/delivery/datadog",
        "/_emulator/delivery/datadog/{sid}/extra",
    ],
)
def test_an_unknown_subscription_is_a_404(api: Api, path: str) -> None:
    sid = api.created()["_id"]
    response = api.session.put(api.url(path.format(sid=sid)), json={"error": None})
    assert_error(response, 404, "not_found")


def test_wrong_verbs_are_405(api: Api) -> None:
    sid = api.created()["_id"]
    assert api.session.get(api.url("/_emulator/events")).status_code == 405
    assert (
        api.session.post(api.url(f"/_emulator/delivery/datadog/{sid}"), json={"error": None}).status_code
        == 405
    )


def test_control_needs_a_token_and_is_not_recorded(emulator: Emulator, api: Api) -> None:
    sid = api.created()["_id"]
    anonymous = Api(emulator, token="")
    assert_error(post_event(anonymous), 401, "unauthorized")
    assert_error(set_error(anonymous, "datadog", sid, None), 401, "unauthorized")
    assert_error(set_error(Api(emulator, token="wrong"), "datadog", sid, None), 401, "unauthorized")
    assert status_of(api, sid)["successCount"] == 0
    delivered(api)
    set_error(api, "datadog", sid, None)
    assert all(not r.path.startswith("/_emulator/") for r in emulator.requests)

"""Fault injection: canned answers, dropped connections before and after acting, and recording."""

from __future__ import annotations

import pytest
import requests

from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api, assert_error


def test_respond_answers_the_status_with_a_matching_error_body_without_acting(api: Api) -> None:
    sid = api.created()["_id"]
    api.emulator.inject_fault("DELETE", "/api/v2/integrations/datadog/*", status=503)
    assert_error(api.delete("datadog", sid), 503, "service_unavailable")
    assert len(api.emulator.subscriptions()) == 1
    assert api.delete("datadog", sid).status_code == 204


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_request"),
        (404, "not_found"),
        (409, "optimistic_locking_error"),
        (429, "rate_limited"),
        (500, "internal_server_error"),
        (502, "bad_gateway"),
    ],
)
def test_default_fault_bodies_carry_the_matching_code(api: Api, status: int, code: str) -> None:
    api.emulator.inject_fault("GET", "*", status=status)
    assert_error(api.list(), status, code)


def test_respond_with_a_custom_body_and_headers(api: Api) -> None:
    api.emulator.inject_fault(
        "get",
        "/api/v2/integrations/*",
        status=429,
        body={"code": "rate_limited", "message": "slow"},
        headers={"Retry-After": "3"},
    )
    response = api.list()
    assert response.status_code == 429
    assert response.json() == {"code": "rate_limited", "message": "slow"}
    assert response.headers["Retry-After"] == "3"


def test_respond_defaults_to_500(api: Api) -> None:
    api.emulator.inject_fault("*", "*")
    assert_error(api.list(), 500, "internal_server_error")


def test_faults_apply_to_the_next_times_matching_requests_only(api: Api) -> None:
    api.emulator.inject_fault("POST", "/api/v2/integrations/datadog", status=500, times=2)
    assert api.list().status_code == 200
    assert api.create().status_code == 500
    assert api.create("honeycomb", {}).status_code == 400
    assert api.create().status_code == 500
    assert api.create().status_code == 201


def test_the_path_pattern_ignores_the_query_string(api: Api) -> None:
    api.emulator.inject_fault("GET", "/api/v2/integrations/datadog", status=502)
    assert api.list(params={"x": "1"}).status_code == 502


def test_drop_before_closes_without_acting_or_answering(api: Api) -> None:
    api.emulator.inject_fault("POST", "/api/v2/integrations/*", action="drop_before")
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert api.emulator.subscriptions() == []
    assert api.created()["kind"] == "datadog"


def test_drop_after_acts_then_closes_without_answering(api: Api) -> None:
    api.emulator.inject_fault("POST", "/api/v2/integrations/datadog", action="drop_after")
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert len(api.emulator.subscriptions()) == 1


def test_drop_after_a_delete_deletes(api: Api) -> None:
    sid = api.created()["_id"]
    api.emulator.inject_fault("DELETE", "*", action="drop_after")
    with pytest.raises(requests.ConnectionError):
        api.delete("datadog", sid)
    assert_error(api.delete("datadog", sid), 404, "not_found")


def test_faulted_requests_are_recorded(api: Api) -> None:
    api.emulator.inject_fault("GET", "*", status=500)
    api.emulator.inject_fault("POST", "*", action="drop_before")
    api.emulator.inject_fault("POST", "*", action="drop_after")
    api.list()
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            api.create()
    assert [(r.method, r.status) for r in api.emulator.requests] == [
        ("GET", 500),
        ("POST", None),
        ("POST", None),
    ]
    assert api.emulator.requests[1].body["name"] == "Production audit log to Datadog"


def test_faults_come_before_authentication(emulator: Emulator) -> None:
    emulator.inject_fault("GET", "*", status=503)
    assert Api(emulator, token="").list().status_code == 503


def test_clear_faults(api: Api) -> None:
    api.emulator.inject_fault("GET", "*", status=500, times=5)
    api.emulator.clear_faults()
    assert api.list().status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"action": "explode"}, "action"), ({"times": 0}, "times"), ({"status": 99}, "status")],
)
def test_bad_fault_arguments_are_refused(
    emulator: Emulator, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        emulator.inject_fault("GET", "*", **kwargs)  # type: ignore[arg-type]

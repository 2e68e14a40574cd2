"""Fault injection for the rarer failure paths: slow and act-late answers, garbled bodies, raw pages
(HTML 404, gateway 502/504), redirects, the HTTP control API, and ObjectId subscription ids."""

from __future__ import annotations

import time

import pytest
import requests

from pulumi_ld_auditsubs.rules.ref import is_subscription_id, subscription_id_created_at
from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api, datadog_body

COLLECTION = "/api/v2/integrations/datadog"


def wait_until(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


def test_act_late_acts_after_a_client_that_timed_out_gave_up(api: Api) -> None:
    api.emulator.inject_fault("POST", COLLECTION, action="act_late", delay=0.6)
    with pytest.raises(requests.ReadTimeout):
        api.create(timeout=(2, 0.2))
    assert api.emulator.subscriptions() == []  # not yet: the server is still "working"
    assert wait_until(lambda: len(api.emulator.subscriptions()) == 1)


def test_answer_late_acts_at_once_and_answers_after_the_delay(api: Api) -> None:
    api.emulator.inject_fault("POST", COLLECTION, action="answer_late", delay=0.6)
    with pytest.raises(requests.ReadTimeout):
        api.create(timeout=(2, 0.2))
    assert len(api.emulator.subscriptions()) == 1


def test_a_delay_before_a_canned_answer_still_answers(api: Api) -> None:
    api.emulator.inject_fault("GET", COLLECTION, status=503, delay=0.05)
    assert api.list().status_code == 503


@pytest.mark.parametrize(
    ("fault", "content_type", "payload"),
    [
        ({"raw_body": b"\x00garbage"}, None, b"\x00garbage"),
        ({"raw_body": "<p>ok</p>", "content_type": "text/html"}, "text/html", b"<p>ok</p>"),
        ({"raw_body": b""}, None, b""),
        ({"body": [1, 2]}, "application/json", b"[1, 2]"),
        ({"body": {"name": "no id"}}, "application/json", b'{"name": "no id"}'),
        ({"content_type": "text/plain"}, "text/plain", None),
    ],
    ids=["raw", "html", "empty", "list", "no-id", "content-type-only"],
)
def test_garble_acts_then_replaces_the_body_or_content_type(
    api: Api, fault: dict[str, object], content_type: str | None, payload: bytes | None
) -> None:
    api.emulator.inject_fault("POST", COLLECTION, action="garble", **fault)  # type: ignore[arg-type]
    response = api.create()
    assert response.status_code == 201
    assert response.headers.get("Content-Type") == content_type
    if payload is not None:
        assert response.content == payload
    else:
        assert is_subscription_id(response.json()["_id"])  # the real answer under a wrong type
    assert len(api.emulator.subscriptions()) == 1


@pytest.mark.parametrize("status", [404, 502, 504])
def test_respond_with_a_raw_html_page(api: Api, status: int) -> None:
    page = f"<html><title>{status}</title></html>"
    api.emulator.inject_fault("GET", "*", status=status, raw_body=page, content_type="text/html")
    response = api.list()
    assert (response.status_code, response.headers["Content-Type"], response.text) == (
        status,
        "text/html",
        page,
    )


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_respond_with_a_redirect(api: Api, status: int) -> None:
    api.emulator.inject_fault("GET", "*", status=status, headers={"Location": "https://elsewhere.example/x"})
    response = api.list(allow_redirects=False)
    assert response.status_code == status and response.headers["Location"] == "https://elsewhere.example/x"
    assert api.emulator.subscriptions() == []


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"action": "act_late"}, "positive delay"),
        ({"action": "answer_late", "delay": 0}, "positive delay"),
        ({"delay": -1}, "delay"),
        ({"content_type": "text/html\r\nX-Evil: 1"}, "single header line"),
    ],
)
def test_bad_new_fault_arguments_are_refused(
    emulator: Emulator, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        emulator.inject_fault("GET", "*", **kwargs)  # type: ignore[arg-type]


def test_the_http_control_api_queues_and_clears_faults(api: Api) -> None:
    control = api.url("/_emulator/faults")
    fault = {
        "method": "GET",
        "path": COLLECTION,
        "status": 404,
        "rawBody": "<html/>",
        "contentType": "text/html",
    }
    assert api.session.post(control, json=fault).status_code == 201
    response = api.list()
    assert (response.status_code, response.text) == (404, "<html/>")
    late = {"method": "POST", "path": COLLECTION, "action": "act_late", "delay": 0.5}
    assert api.session.post(control, json=late).status_code == 201
    with pytest.raises(requests.ReadTimeout):
        api.create(timeout=(2, 0.1))
    assert wait_until(lambda: len(api.emulator.subscriptions()) == 1)
    assert api.session.post(control, json={"method": "GET", "path": "*", "times": 3}).status_code == 201
    assert api.session.delete(control).status_code == 204
    assert api.list().status_code == 200
    assert all(not r.path.startswith("/_emulator/") for r in api.emulator.requests)  # never recorded


@pytest.mark.parametrize(
    "body",
    [
        {"path": "*"},
        {"method": "GET"},
        {"method": "GET", "path": "*", "bogus": 1},
        {"method": "GET", "path": "*", "times": 0},
    ],
)
def test_the_control_api_refuses_bad_faults(api: Api, body: dict[str, object]) -> None:
    response = api.session.post(api.url("/_emulator/faults"), json=body)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def test_the_control_api_needs_a_token(emulator: Emulator) -> None:
    anonymous = Api(emulator, token="")
    assert (
        anonymous.session.post(
            emulator.url + "/_emulator/faults", json={"method": "*", "path": "*"}
        ).status_code
        == 401
    )
    assert anonymous.list().status_code == 401  # nothing was queued


def test_ids_are_object_ids_carrying_their_creation_time(api: Api) -> None:
    before = int(time.time())
    ids = [api.created(body=datadog_body(name=f"s{i}"))["_id"] for i in range(50)]
    after = time.time()
    assert len(set(ids)) == 50
    for subscription_id in ids:
        assert is_subscription_id(subscription_id)
        assert before <= subscription_id_created_at(subscription_id) <= after

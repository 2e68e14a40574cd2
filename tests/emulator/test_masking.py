"""Secret config values: masked in every response, plaintext in the store, never in logs."""

from __future__ import annotations

import io
import json

from pulumi_ld_auditsubs.rules.masking import mask_secret
from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api, datadog_body

SECRET = "dd-secret-api-key-0123"
MASK = mask_secret(SECRET)


def test_secret_is_masked_in_post_get_list_and_patch(api: Api) -> None:
    created = api.create()
    sid = created.json()["_id"]
    responses = [
        created,
        api.get("datadog", sid),
        api.list(),
        api.patch("datadog", sid, [{"op": "replace", "path": "/name", "value": "renamed"}]),
    ]
    for response in responses:
        assert response.ok, response.text
        assert SECRET not in response.text
        assert MASK in response.text
    assert api.emulator.secret("datadog", sid, "apiKey") == SECRET


def test_non_secret_values_come_back_in_clear(api: Api) -> None:
    created = api.created(
        "msteams", {"name": "t", "config": {"url": "https://example.webhook.office.com/abc"}}
    )
    assert created["config"]["url"] == "https://example.webhook.office.com/abc"
    pagerduty = api.created("pagerduty", {"name": "p", "config": {"integrationKey": "routing-key-123456"}})
    assert pagerduty["config"]["integrationKey"] == "routing-key-123456"


def test_short_secrets_are_all_asterisks(api: Api) -> None:
    created = api.created(body=datadog_body(config={"apiKey": "abc"}))
    assert created["config"]["apiKey"] == "****"
    assert api.emulator.secret("datadog", created["_id"], "apiKey") == "abc"


def test_every_secret_field_of_other_integrations_is_masked(api: Api) -> None:
    created = api.created(
        "splunk",
        {
            "name": "s",
            "config": {
                "base-url": "https://s.io",
                "token": "splunk-hec-token",
                "skip-ca-verification": False,
            },
        },
    )
    assert created["config"]["token"] == mask_secret("splunk-hec-token")
    assert created["config"]["base-url"] == "https://s.io"


def test_patching_a_secret_with_its_mask_keeps_the_plaintext(api: Api) -> None:
    created = api.created()
    sid = created["_id"]
    response = api.patch("datadog", sid, [{"op": "replace", "path": "/config/apiKey", "value": MASK}])
    assert response.status_code == 200
    assert api.emulator.secret("datadog", sid, "apiKey") == SECRET


def test_patching_a_secret_with_a_mask_of_any_length_keeps_the_plaintext(api: Api) -> None:
    sid = api.created()["_id"]
    api.patch("datadog", sid, [{"op": "replace", "path": "/config/apiKey", "value": "dd-***123"}])
    assert api.emulator.secret("datadog", sid, "apiKey") == SECRET


def test_replacing_the_whole_config_with_the_masked_read_keeps_the_plaintext(api: Api) -> None:
    created = api.created()
    sid = created["_id"]
    config = {**created["config"], "hostURL": "https://us5.datadoghq.com"}
    response = api.patch(
        "datadog",
        sid,
        {"comment": "read-modify-write", "patch": [{"op": "replace", "path": "/config", "value": config}]},
    )
    assert response.status_code == 200
    assert response.json()["config"]["hostURL"] == "https://us5.datadoghq.com"
    assert api.emulator.secret("datadog", sid, "apiKey") == SECRET


def test_patching_a_new_plaintext_secret_replaces_it(api: Api) -> None:
    sid = api.created()["_id"]
    response = api.patch(
        "datadog", sid, [{"op": "replace", "path": "/config/apiKey", "value": "rotated-key-9876"}]
    )
    assert response.json()["config"]["apiKey"] == mask_secret("rotated-key-9876")
    assert api.emulator.secret("datadog", sid, "apiKey") == "rotated-key-9876"


def test_a_mask_that_does_not_match_is_stored_verbatim(api: Api) -> None:
    sid = api.created()["_id"]
    api.patch("datadog", sid, [{"op": "replace", "path": "/config/apiKey", "value": "zzz****zzz"}])
    assert api.emulator.secret("datadog", sid, "apiKey") == "zzz****zzz"


def test_legacy_api_key_written_back_as_its_mask_is_kept(api: Api) -> None:
    created = api.created(body=datadog_body(apiKey="legacy-datadog-key"))
    sid = created["_id"]
    api.patch("datadog", sid, [{"op": "replace", "path": "/apiKey", "value": created["apiKey"]}])
    assert api.emulator.subscriptions()[0]["apiKey"] == "legacy-datadog-key"


def test_request_log_never_shows_the_token_or_secrets() -> None:
    stream = io.StringIO()
    with Emulator(tokens=("api-very-secret-token",), log_requests=True, log_stream=stream) as emulator:
        api = Api(emulator)
        sid = api.created()["_id"]
        api.patch("datadog", sid, [{"op": "replace", "path": "/config/apiKey", "value": "rotated-key-9876"}])
        api.create(body=datadog_body(name=""))
        api.session.request("BREW", api.url("/"))
    log = stream.getvalue()
    assert "POST /api/v2/integrations/datadog -> 201" in log
    assert f"PATCH /api/v2/integrations/datadog/{sid} -> 200" in log
    for forbidden in ("api-very-secret-token", SECRET, "rotated-key-9876", "Authorization"):
        assert forbidden not in log


def test_recorded_requests_never_hold_the_token(api: Api) -> None:
    api.created()
    api.list()
    assert all(r.headers["Authorization"] == "<redacted>" for r in api.emulator.requests)
    assert api.emulator.token not in json.dumps([r.headers for r in api.emulator.requests])

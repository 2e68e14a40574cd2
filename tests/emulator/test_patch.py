"""PATCH: RFC 6902 applied atomically, forbidden paths, malformed ops, and re-validation."""

from __future__ import annotations

from typing import Any

import pytest

from ._support import Api, assert_error


@pytest.fixture
def sid(api: Api) -> str:
    subscription_id: str = api.created()["_id"]
    return subscription_id


def _stored(api: Api) -> dict[str, Any]:
    return api.emulator.subscriptions()[0]


def test_bare_array_and_comment_wrapper_are_both_accepted(api: Api, sid: str) -> None:
    assert api.patch("datadog", sid, [{"op": "replace", "path": "/name", "value": "a"}]).json()["name"] == "a"
    wrapped = {"comment": "rename", "patch": [{"op": "replace", "path": "/name", "value": "b"}]}
    assert api.patch("datadog", sid, wrapped).json()["name"] == "b"


def test_several_operations_apply_in_order(api: Api, sid: str) -> None:
    response = api.patch(
        "datadog",
        sid,
        [
            {"op": "test", "path": "/on", "value": True},
            {"op": "replace", "path": "/on", "value": False},
            {"op": "add", "path": "/tags/-", "value": "second"},
            {"op": "replace", "path": "/config/hostURL", "value": "https://us3.datadoghq.com"},
            {
                "op": "add",
                "path": "/statements/-",
                "value": {"effect": "deny", "actions": ["*"], "resources": ["x"]},
            },
            {"op": "copy", "from": "/tags/0", "path": "/tags/-"},
            {"op": "move", "from": "/tags/2", "path": "/tags/0"},
        ],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["on"] is False
    assert body["tags"] == ["managed-by-pulumi", "managed-by-pulumi", "second"]
    assert body["config"]["hostURL"] == "https://us3.datadoghq.com"
    assert body["statements"][1]["effect"] == "deny"


def test_kebab_case_config_keys_are_patchable(api: Api) -> None:
    config = {"base-url": "https://s.io", "token": "splunk-hec-token", "skip-ca-verification": False}
    sid = api.created("splunk", {"name": "s", "config": config})["_id"]
    response = api.patch(
        "splunk",
        sid,
        [
            {"op": "replace", "path": "/config/base-url", "value": "https://t.io"},
            {"op": "replace", "path": "/config/skip-ca-verification", "value": True},
        ],
    )
    assert response.json()["config"]["base-url"] == "https://t.io"
    assert response.json()["config"]["skip-ca-verification"] is True


def test_a_failing_operation_changes_nothing(api: Api, sid: str) -> None:
    before = _stored(api)
    response = api.patch(
        "datadog",
        sid,
        [
            {"op": "replace", "path": "/name", "value": "changed"},
            {"op": "remove", "path": "/config/doesNotExist"},
        ],
    )
    assert_error(response, 400, "invalid_request", "patch[1]", "/config/doesNotExist")
    assert _stored(api) == before


def test_a_failed_test_operation_is_400_and_changes_nothing(api: Api, sid: str) -> None:
    before = _stored(api)
    response = api.patch(
        "datadog",
        sid,
        [
            {"op": "replace", "path": "/name", "value": "changed"},
            {"op": "test", "path": "/on", "value": False},
        ],
    )
    assert_error(response, 400, "invalid_request", "patch[1]", "test failed", "/on")
    assert _stored(api) == before


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/_id", "value": "0123456789abcdef01234567"},
        {"op": "replace", "path": "/_links/self/href", "value": "/x"},
        {"op": "add", "path": "/_status/successCount", "value": 3},
        {"op": "remove", "path": "/_access"},
        {"op": "replace", "path": "/kind", "value": "honeycomb"},
        {"op": "test", "path": "/kind", "value": "datadog"},
        {"op": "copy", "from": "/_id", "path": "/name"},
        {"op": "move", "from": "/kind", "path": "/name"},
    ],
)
def test_read_only_paths_are_refused_naming_the_path(api: Api, sid: str, operation: dict[str, Any]) -> None:
    before = _stored(api)
    pointer = operation.get("from", operation["path"])
    assert_error(api.patch("datadog", sid, [operation]), 400, "invalid_request", pointer, "not editable")
    assert _stored(api) == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "patch must contain at least one operation"),
        ({"op": "replace", "path": "/on", "value": False}, "op is not a valid field of a patch request"),
        ({"comment": "no patch"}, "patch is required"),
        ({"comment": 5, "patch": []}, "comment must be a string"),
        ({"merge": {"on": False}}, "merge is not a valid field of a patch request"),
        ({"patch": {"op": "replace"}}, "patch must be an array"),
        ("replace", "patch must be an array"),
        (["replace"], "patch[0] must be an object"),
        ([{"path": "/on", "value": False}], "patch[0].op must be one of"),
        ([{"op": "merge", "path": "/on", "value": False}], "patch[0].op must be one of"),
        ([{"op": "replace", "value": False}], "patch[0].path must be a string"),
        ([{"op": "replace", "path": 3, "value": False}], "patch[0].path must be a string"),
        ([{"op": "replace", "path": "/on"}], "patch[0].value is required"),
        ([{"op": "move", "path": "/name"}], "patch[0].from must be a string"),
        ([{"op": "replace", "path": "on", "value": False}], "patch[0].path 'on' is not a JSON Pointer"),
        ([{"op": "replace", "path": "", "value": {}}], "patch[0].path: the document root cannot be patched"),
        ([{"op": "replace", "path": "/tags/9", "value": "x"}], "patch[0] (replace /tags/9)"),
        (
            [{"op": "add", "path": "/statements/0/resources/x", "value": "x"}],
            "patch[0] (add /statements/0/resources",
        ),
        (
            [{"op": "move", "from": "/nope", "path": "/name"}],
            "patch[0] (move /nope -> /name): 'nope' does not exist",
        ),
    ],
)
def test_malformed_patches_are_400(api: Api, sid: str, body: Any, fragment: str) -> None:
    before = _stored(api)
    assert_error(api.patch("datadog", sid, body), 400, "invalid_request", fragment)
    assert _stored(api) == before


@pytest.mark.parametrize(
    ("operations", "fragment"),
    [
        (
            [{"op": "replace", "path": "/statements/0/effect", "value": "maybe"}],
            "statements[0].effect must be one of",
        ),
        (
            [{"op": "remove", "path": "/statements/0/resources"}],
            "statements[0] must have exactly one of resources",
        ),
        (
            [{"op": "add", "path": "/statements/0/notActions", "value": ["x"]}],
            "exactly one of actions, notActions",
        ),
        ([{"op": "remove", "path": "/config/apiKey"}], "config.apiKey is required"),
        ([{"op": "add", "path": "/config/bogus", "value": "x"}], "config.bogus is not a valid config field"),
        (
            [{"op": "replace", "path": "/config/hostURL", "value": "https://evil"}],
            "config.hostURL must be one of",
        ),
        (
            [{"op": "replace", "path": "/config/hideMemberDetails", "value": "true"}],
            "config.hideMemberDetails must",
        ),
        ([{"op": "replace", "path": "/on", "value": "yes"}], "on must be a boolean"),
        ([{"op": "replace", "path": "/tags", "value": [1]}], "tags[0] must be a string"),
        ([{"op": "remove", "path": "/name"}], "name is required"),
        ([{"op": "replace", "path": "/name", "value": ""}], "name must be a non-empty string"),
        ([{"op": "add", "path": "/foo", "value": 1}], "foo is not a valid field"),
        ([{"op": "move", "from": "/name", "path": "/title"}], "title is not a valid field"),
        ([{"op": "replace", "path": "/config", "value": []}], "config must be an object"),
    ],
)
def test_patched_document_is_revalidated_with_the_create_rules(
    api: Api, sid: str, operations: list[dict[str, Any]], fragment: str
) -> None:
    before = _stored(api)
    assert_error(api.patch("datadog", sid, operations), 400, "invalid_request", fragment)
    assert _stored(api) == before


def test_removing_optional_fields_restores_their_defaults(api: Api, sid: str) -> None:
    response = api.patch(
        "datadog",
        sid,
        [
            {"op": "remove", "path": "/config/hostURL"},
            {"op": "remove", "path": "/on"},
            {"op": "remove", "path": "/tags"},
            {"op": "remove", "path": "/statements"},
        ],
    )
    body = response.json()
    assert body["config"]["hostURL"] == "https://api.datadoghq.com"
    assert (body["on"], body["tags"], body["statements"]) == (False, [], [])


def test_removing_a_generated_field_keeps_its_value(api: Api) -> None:
    created = api.created("cloudtrail", {"name": "ct", "config": {"ingestionChannelArn": "arn:aws:x"}})
    external_id = created["config"]["externalId"]
    response = api.patch("cloudtrail", created["_id"], [{"op": "remove", "path": "/config/externalId"}])
    assert response.json()["config"]["externalId"] == external_id


def test_test_operations_compare_against_plaintext_secrets(api: Api, sid: str) -> None:
    ok = api.patch(
        "datadog", sid, [{"op": "test", "path": "/config/apiKey", "value": "dd-secret-api-key-0123"}]
    )
    assert ok.status_code == 200


def test_patch_of_an_unknown_id_is_404_even_with_a_bad_body(api: Api, sid: str) -> None:
    assert_error(api.patch("datadog", "0" * 24, "garbage"), 404, "not_found")


def test_the_id_kind_and_links_survive_a_patch(api: Api, sid: str) -> None:
    body = api.patch("datadog", sid, [{"op": "replace", "path": "/name", "value": "x"}]).json()
    assert body["_id"] == sid
    assert body["kind"] == "datadog"
    assert body["_links"]["self"]["href"].endswith(sid)

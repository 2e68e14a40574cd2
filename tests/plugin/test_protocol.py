"""The native plugin driven as the engine drives it, against the emulator's request log.

The plugin runs as the CLI runs a source plugin (``python -m pulumi.run.plugin pulumi-ld-auditsubs
<engine address>``), configured like the default provider (``args`` and the deprecated
``variables``), with secrets sent as secrets (``acceptSecrets``): the engine then copies no
secretness to outputs, so every secret asserted here is one the plugin marked itself.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.plugin.schema import schema_json
from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.engine.values import UNKNOWN, is_secret, reveal, to_struct, wrap_secret
from pulumi_ld_auditsubs.testing.plugin_process import PluginProcess, provider_urn
from pulumi_ld_auditsubs.testing.provider_process import datadog_inputs

from .conftest import TOKEN

API_KEY = "dd-api-key-1234567890"
GET_ONE = "ld-auditsubs:index:getAuditLogSubscription"
GET_ALL = "ld-auditsubs:index:getAuditLogSubscriptions"


def calls(emulator: Emulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emulator.requests]


def _created(plugin: PluginProcess, **overrides: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    checked = plugin.check(datadog_inputs(**overrides))
    assert checked.failures == []
    id_, outputs = plugin.create(checked.inputs)
    return id_, checked.inputs, outputs


def test_plugin_info_and_schema(plugin: PluginProcess) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == __version__
    answer = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0))
    assert json.loads(answer.schema) == json.loads(schema_json())


def test_check_keeps_input_secrets_and_marks_secret_fields_itself(
    plugin: PluginProcess, emulator: Emulator
) -> None:
    news = datadog_inputs(name=wrap_secret("a secret name"))
    checked = plugin.check(news)
    assert checked.failures == []
    assert is_secret(checked.inputs["name"])  # came in secret, stays secret
    assert is_secret(checked.inputs["config"]["apiKey"])  # a secret field, marked by the plugin
    assert not is_secret(checked.inputs["config"]["hostURL"])
    assert calls(emulator) == []


def test_bad_inputs_fail_check_naming_the_property(plugin: PluginProcess, emulator: Emulator) -> None:
    failures = plugin.check(datadog_inputs(statements=[], config={"hostURL": "https://nope"})).failures
    properties = {prop for prop, _ in failures}
    assert {"statements", "config.apiKey"} <= properties
    assert calls(emulator) == []


def test_preview_create_and_update_send_nothing(plugin: PluginProcess, emulator: Emulator) -> None:
    checked = plugin.check(datadog_inputs())
    id_, outputs = plugin.create(checked.inputs, preview=True)
    assert id_ == ""
    assert outputs["subscriptionId"] == UNKNOWN and outputs["apiHost"] == emulator.url
    assert is_secret(outputs["config"])
    updated = plugin.update("datadog/0123456789abcdef01234567", outputs, checked.inputs, preview=True)
    assert is_secret(updated["config"])
    assert calls(emulator) == []


def test_lifecycle_one_request_per_operation_and_a_minimal_patch(
    plugin: PluginProcess, emulator: Emulator
) -> None:
    id_, inputs, outputs = _created(plugin)
    assert calls(emulator) == [("POST", "/api/v2/integrations/datadog")]
    key, subscription_id = id_.split("/")
    assert key == "datadog" and outputs["subscriptionId"] == subscription_id
    assert is_secret(outputs["config"]) and outputs["apiHost"] == emulator.url
    assert API_KEY not in json.dumps({k: v for k, v in outputs.items() if k != "config"})

    emulator.clear_requests()
    same = plugin.diff(id_, outputs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert calls(emulator) == []

    retagged = {**inputs, "tags": ["managed-by-pulumi", "team-platform", "audited"]}
    changed = plugin.diff(id_, outputs, retagged)
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME and list(changed.replaces) == []
    assert dict(changed.detailedDiff) and set(changed.detailedDiff) == {"tags"}
    updated = plugin.update(id_, outputs, retagged)
    assert calls(emulator) == [("PATCH", f"/api/v2/integrations/datadog/{subscription_id}")]
    patch = emulator.requests[-1].body
    assert [op["path"] for op in patch["patch"]] == ["/tags"] and API_KEY not in json.dumps(patch)
    assert is_secret(updated["config"]) and updated["tags"][-1] == "audited"

    rekeyed = plugin.diff(id_, outputs, {**inputs, "integrationKey": "splunk"})
    assert list(rekeyed.replaces) == ["integrationKey"]

    emulator.clear_requests()
    plugin.delete(id_, updated)
    plugin.delete(id_, updated)  # already gone: LaunchDarkly's 404 is success
    assert [method for method, _ in calls(emulator)] == ["DELETE", "DELETE"]
    assert emulator.requests[-1].status == 404


def test_import_reads_inputs_and_outputs_from_one_get(plugin: PluginProcess, emulator: Emulator) -> None:
    id_, _, _ = _created(plugin, name="to be imported")
    emulator.clear_requests()
    read_id, outputs, inputs = plugin.read(id_)  # what `pulumi import` sends: an ID and nothing else
    assert calls(emulator) == [("GET", f"/api/v2/integrations/{id_}")]
    assert read_id == id_
    assert inputs["integrationKey"] == "datadog" and inputs["name"] == "to be imported"
    assert is_secret(inputs["config"]["apiKey"])
    assert reveal(inputs["config"]["apiKey"]) != API_KEY  # masked by LaunchDarkly: it must be supplied
    assert is_secret(outputs["config"])


def test_refresh_of_a_deleted_subscription_drops_it(plugin: PluginProcess, emulator: Emulator) -> None:
    id_, _, outputs = _created(plugin)
    plugin.delete(id_, outputs)
    read_id, _, _ = plugin.read(id_, outputs, outputs)
    assert read_id == ""


def test_invokes_are_the_lookups(plugin: PluginProcess, emulator: Emulator) -> None:
    id_, _, _ = _created(plugin, name="looked up", tags=["lookup-tag"])
    emulator.clear_requests()
    one, failures = plugin.invoke(GET_ONE, {"integrationKey": "datadog", "subscriptionId": id_.split("/")[1]})
    assert failures == [] and one["id"] == id_ and one["name"] == "looked up"
    assert is_secret(one["config"])
    listed, _ = plugin.invoke(GET_ALL, {"integrationKey": "datadog", "tags": ["lookup-tag"]})
    assert [item["id"] for item in listed["subscriptions"]] == [id_]
    assert all(is_secret(item["config"]) for item in listed["subscriptions"])
    assert {method for method, _ in calls(emulator)} == {"GET"}
    with pytest.raises(grpc.RpcError) as missing:
        plugin.invoke(GET_ONE, {"integrationKey": "datadog", "subscriptionId": "0123456789abcdef01234567"})
    assert "has no 'datadog' audit log subscription" in str(missing.value.details())


def test_a_failure_is_one_sentence_without_a_traceback(plugin: PluginProcess, emulator: Emulator) -> None:
    id_, inputs, outputs = _created(plugin, name="deleted behind our back")
    plugin.delete(id_, outputs)
    with pytest.raises(grpc.RpcError) as failed:
        plugin.update(id_, outputs, {**inputs, "on": False})
    message = failed.value.details()
    assert message.startswith("failed to update 'datadog' audit log subscription 'deleted behind our back'")
    assert emulator.url in message and "pulumi refresh" in message
    assert "Traceback" not in message and "File " not in message and "\n" not in message


def test_configure_with_only_the_deprecated_variables(emulator: Emulator) -> None:
    with PluginProcess() as plugin:
        request = provider_pb2.ConfigureRequest(acceptSecrets=True, acceptResources=True, urn=provider_urn())
        request.variables["ld-auditsubs:config:accessToken"] = TOKEN
        request.variables["ld-auditsubs:config:apiHost"] = emulator.url
        plugin.stub.Configure(request)
        id_, _, outputs = _created(plugin)
        assert outputs["apiHost"] == emulator.url and id_.startswith("datadog/")


@pytest.mark.parametrize(
    ("config", "urn", "named"),
    [
        ({"apiHost": "http://example.com"}, provider_urn(), "ld-auditsubs:apiHost"),
        ({"apiHost": "https://app.launchdarkly.com/api/v2"}, provider_urn(), "ld-auditsubs:apiHost"),
        ({"accessToken": wrap_secret("api-\nnewline")}, provider_urn(), "ld-auditsubs:accessToken"),
        ({"apiHost": "http://example.com"}, provider_urn("eu"), "apiHost"),
        ({"strictAction": "true"}, provider_urn(), "ld-auditsubs:strictActions"),
        ({"strictAction": True}, provider_urn("eu"), "`strictActions`"),
        ({"retryTimeoutSeconds": "soon"}, provider_urn(), "ld-auditsubs:retryTimeoutSeconds"),
        ({"retryTimeoutSeconds": -1.0}, provider_urn("eu"), "input `retryTimeoutSeconds` of provider eu"),
    ],
)
def test_check_config_refuses_what_the_settings_refuse_naming_the_key(
    plugin: PluginProcess, config: dict[str, Any], urn: str, named: str
) -> None:
    checked = plugin.check_config(config, urn=urn)
    assert len(checked.failures) == 1
    assert named in checked.failures[0][1]
    assert "api-\nnewline" not in checked.failures[0][1]


def test_check_config_keeps_the_token_secret_however_it_came(
    plugin: PluginProcess, emulator: Emulator
) -> None:
    checked = plugin.check_config({"accessToken": TOKEN, "apiHost": emulator.url}, urn=provider_urn("us"))
    assert checked.failures == []
    assert is_secret(checked.inputs["accessToken"]) and checked.inputs["apiHost"] == emulator.url


def test_diff_config_sees_a_changed_host(plugin: PluginProcess) -> None:
    olds, news = {"apiHost": "https://app.launchdarkly.com"}, {"apiHost": "https://app.eu.launchdarkly.com"}
    changed = plugin.stub.DiffConfig(
        provider_pb2.DiffRequest(urn=provider_urn("eu"), olds=to_struct(olds), news=to_struct(news))
    )
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME and list(changed.diffs) == ["apiHost"]
    assert list(changed.replaces) == []
    same = plugin.stub.DiffConfig(
        provider_pb2.DiffRequest(urn=provider_urn("eu"), olds=to_struct(olds), news=to_struct(olds))
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_a_subscription_is_only_acted_on_where_it_lives(plugin: PluginProcess, emulator: Emulator) -> None:
    id_, _, outputs = _created(plugin)
    elsewhere = {**outputs, "apiHost": "https://app.eu.launchdarkly.com"}
    emulator.clear_requests()
    with pytest.raises(grpc.RpcError) as refused:
        plugin.delete(id_, elsewhere)
    assert "https://app.eu.launchdarkly.com" in refused.value.details()
    assert "ld-auditsubs:apiHost" in refused.value.details()  # the default provider's key
    assert calls(emulator) == []


@pytest.mark.parametrize(
    ("urn", "named"),
    [
        (provider_urn(), "`ld-auditsubs:accessToken`"),
        (provider_urn("eu"), "the provider's `accessToken` input"),
    ],
)
def test_a_missing_token_names_the_key_this_provider_reads(emulator: Emulator, urn: str, named: str) -> None:
    with PluginProcess() as plugin:
        plugin.configure({"apiHost": emulator.url}, urn=urn)
        with pytest.raises(grpc.RpcError) as refused:
            plugin.create(plugin.check(datadog_inputs()).inputs)
    assert named in refused.value.details() and "LAUNCHDARKLY_ACCESS_TOKEN" in refused.value.details()
    assert calls(emulator) == []

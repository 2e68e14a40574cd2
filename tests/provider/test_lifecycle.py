"""Create, no-op up, updates, replacement and delete, over the real protocol against the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from provider_harness import EngineDrivenProvider, calls, datadog, strip_provider
from pulumi.runtime.proto import provider_pb2 as pb

from pulumi_ld_auditsubs.testing import Emulator


def create(engine: EngineDrivenProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    inputs = engine.checked(props)
    created = engine.create(inputs)
    return created.id, created.outputs, inputs


def test_create_is_one_post_with_declared_outputs(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog())

    assert calls(emulator) == [("POST", "/api/v2/integrations/datadog")]
    key, _, subscription_id = id_.partition("/")
    assert key == "datadog" and len(subscription_id) == 24
    assert outputs["subscriptionId"] == subscription_id
    assert outputs["config"] == datadog()["config"]  # secrets as declared, not masked
    assert outputs["status"] == {"successCount": 0, "errorCount": 0}
    assert outputs["tags"] == ["managed-by-pulumi", "team-platform"]
    assert emulator.secret("datadog", subscription_id, "apiKey") == "dd-api-key-1234567890"
    posted = emulator.requests[0].body
    assert posted["config"] == datadog()["config"] and "__provider" not in posted


def test_unchanged_up_sends_nothing(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog())
    emulator.clear_requests()

    same = engine.checked(datadog(tags=["team-platform", "managed-by-pulumi"], on="true"))
    diff = engine.diff(id_, outputs, same)

    assert diff.changes == pb.DiffResponse.DIFF_NONE
    assert calls(emulator) == []


def test_omitted_optional_field_equals_its_default(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog(config={"apiKey": "dd-api-key-1234567890"}))
    explicit_default = engine.checked(
        datadog(config={"apiKey": "dd-api-key-1234567890", "hostURL": "https://api.datadoghq.com"})
    )
    assert engine.diff(id_, outputs, explicit_default).changes == pb.DiffResponse.DIFF_NONE


@pytest.mark.parametrize(
    ("change", "expected_ops"),
    [
        ({"name": "Renamed"}, [{"op": "replace", "path": "/name", "value": "Renamed"}]),
        ({"on": False}, [{"op": "replace", "path": "/on", "value": False}]),
        (
            {"tags": ["managed-by-pulumi"]},
            [{"op": "replace", "path": "/tags", "value": ["managed-by-pulumi"]}],
        ),
        (
            {"statements": [{"effect": "deny", "notActions": ["updateOn"], "resources": ["proj/*"]}]},
            [
                {
                    "op": "replace",
                    "path": "/statements",
                    "value": [{"effect": "deny", "resources": ["proj/*"], "notActions": ["updateOn"]}],
                }
            ],
        ),
        (
            {"config": {"apiKey": "dd-api-key-1234567890", "hostURL": "https://us5.datadoghq.com"}},
            [{"op": "replace", "path": "/config/hostURL", "value": "https://us5.datadoghq.com"}],
        ),
        (
            {
                "config": {
                    "apiKey": "dd-api-key-1234567890",
                    "hostURL": "https://api.datadoghq.eu",
                    "hideMemberDetails": "true",
                }
            },
            [{"op": "replace", "path": "/config/hideMemberDetails", "value": True}],
        ),
        (
            {"config": {"apiKey": "rotated-key-0987654321", "hostURL": "https://api.datadoghq.eu"}},
            [{"op": "replace", "path": "/config/apiKey", "value": "rotated-key-0987654321"}],
        ),
        (
            {"config": {"apiKey": "dd-api-key-1234567890"}},
            [{"op": "replace", "path": "/config/hostURL", "value": "https://api.datadoghq.com"}],
        ),
    ],
    ids=[
        "name",
        "on",
        "tags",
        "statements",
        "config-enum",
        "config-bool",
        "config-secret",
        "config-back-to-default",
    ],
)
def test_update_of_one_field_is_one_minimal_patch(
    engine: EngineDrivenProvider,
    emulator: Emulator,
    change: dict[str, Any],
    expected_ops: list[dict[str, Any]],
) -> None:
    id_, outputs, _ = create(engine, datadog())
    news = engine.checked(datadog(**change))
    assert engine.diff(id_, outputs, news).changes == pb.DiffResponse.DIFF_SOME
    emulator.clear_requests()

    updated = engine.update(id_, outputs, news)

    subscription_id = id_.split("/")[1]
    assert calls(emulator) == [("PATCH", f"/api/v2/integrations/datadog/{subscription_id}")]
    body = emulator.requests[0].body
    operations = body["patch"] if isinstance(body, dict) else body
    assert operations == expected_ops
    assert updated["subscriptionId"] == subscription_id
    assert strip_provider(updated)["name"] == news["name"]
    live = emulator.subscriptions("datadog")
    assert any(s["_id"] == subscription_id and s["name"] == news["name"] for s in live)


def test_unchanged_secret_is_never_sent(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog())
    emulator.clear_requests()
    engine.update(id_, outputs, engine.checked(datadog(name="Other name", on=False)))
    assert "dd-api-key-1234567890" not in str(emulator.requests[0].body)


def test_splunk_kebab_keys_are_escaped_json_pointers(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    props = {
        "integrationKey": "splunk",
        "name": "Splunk",
        "config": {
            "base-url": "https://splunk.example.com:8088",
            "token": "splunk-token-abcdef",
            "skip-ca-verification": False,
        },
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
    }
    id_, outputs, _ = create(engine, props)
    emulator.clear_requests()
    new_config = {**props["config"], "base-url": "https://other.example.com:8088"}
    engine.update(id_, outputs, engine.checked({**props, "config": new_config}))
    assert emulator.requests[0].body["patch"] == [
        {"op": "replace", "path": "/config/base-url", "value": "https://other.example.com:8088"}
    ]


def test_changing_integration_key_is_a_replacement(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog())
    news = engine.checked(
        {
            "integrationKey": "msteams",
            "name": "Teams",
            "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
            "statements": datadog()["statements"],
        }
    )
    diff = engine.diff(id_, outputs, news)
    assert diff.changes == pb.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == ["integrationKey"]
    assert not diff.deleteBeforeReplace
    assert calls(emulator) == [("POST", "/api/v2/integrations/datadog")]  # only the create above


def test_delete_twice_succeeds(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs, _ = create(engine, datadog())
    emulator.clear_requests()

    engine.delete(id_, outputs)
    engine.delete(id_, outputs)  # already gone: a 404 means done

    path = f"/api/v2/integrations/datadog/{id_.split('/')[1]}"
    assert calls(emulator) == [("DELETE", path), ("DELETE", path)]
    assert [r.status for r in emulator.requests] == [204, 404]


def test_update_of_a_subscription_deleted_out_of_band_says_to_refresh(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    id_, outputs, _ = create(engine, datadog())
    engine.delete(id_, outputs)
    with pytest.raises(Exception, match="no longer exists in LaunchDarkly; run `pulumi refresh`"):
        engine.update(id_, outputs, engine.checked(datadog(name="x")))


def test_lost_create_response_recovers_without_a_duplicate(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    name = "Created while the network dropped the answer"
    emulator.inject_fault("POST", "/api/v2/integrations/datadog", action="drop_after")

    created = engine.create(engine.checked(datadog(name=name)))

    assert calls(emulator) == [
        ("POST", "/api/v2/integrations/datadog"),
        ("GET", "/api/v2/integrations/datadog"),
    ]
    matching = [s for s in emulator.subscriptions("datadog") if s["name"] == name]
    assert [s["_id"] for s in matching] == [created.outputs["subscriptionId"]]


def test_concurrent_creates_on_the_engines_four_worker_threads(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    """The engine shares one provider object across four gRPC worker threads."""
    names = [f"concurrent {i}" for i in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(lambda name: engine.create(engine.checked(datadog(name=name))), names))

    assert len({c.id for c in created}) == len(names)
    assert sorted(c.outputs["name"] for c in created) == sorted(names)
    assert [m for m, _ in calls(emulator)] == ["POST"] * len(names)


def test_generated_external_id_is_an_output_that_never_diffs(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    """cloudtrail's `externalId` is LaunchDarkly's to fill; users need it for their AWS policy."""
    props = {
        "integrationKey": "cloudtrail",
        "name": "CloudTrail Lake",
        "config": {"ingestionChannelArn": "arn:aws:cloudtrail:us-east-1:123456789012:channel/abc"},
        "statements": datadog()["statements"],
    }
    inputs = engine.checked(props)
    created = engine.create(inputs)

    subscription_id = created.outputs["subscriptionId"]
    stored = next(s for s in emulator.subscriptions("cloudtrail") if s["_id"] == subscription_id)
    assert created.outputs["config"]["externalId"] == stored["config"]["externalId"]
    assert engine.diff(created.id, created.outputs, inputs).changes == pb.DiffResponse.DIFF_NONE
    renamed = engine.update(created.id, created.outputs, engine.checked({**props, "name": "Renamed"}))
    assert renamed["config"]["externalId"] == stored["config"]["externalId"]
    assert emulator.requests[-1].body["patch"] == [{"op": "replace", "path": "/name", "value": "Renamed"}]

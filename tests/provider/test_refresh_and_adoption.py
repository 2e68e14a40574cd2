"""Refresh (Read) after out-of-band changes and deletes, and adoption of existing subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from provider_harness import TOKEN, EngineDrivenProvider, calls, datadog, strip_provider
from pulumi.runtime.proto import provider_pb2 as pb

from pulumi_ld_auditsubs.rules.catalog import Catalog, FormVariable, Integration, load_catalog
from pulumi_ld_auditsubs.testing import Emulator


def out_of_band(emulator: Emulator, method: str, path: str, body: Any = None) -> requests.Response:
    """A change made in LaunchDarkly's UI, behind Pulumi's back."""
    headers = {"Authorization": emulator.token, "Content-Type": "application/json"}
    response = requests.request(method, emulator.url + path, json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return response


def test_refresh_without_drift_is_one_get_and_no_diff(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(config={"apiKey": "dd-api-key-1234567890"}))
    created = engine.create(inputs)
    emulator.clear_requests()

    id_, outputs, read_inputs = engine.read(created.id, created.outputs, inputs)

    assert calls(emulator) == [("GET", f"/api/v2/integrations/{created.id}")]
    assert id_ == created.id
    assert strip_provider(outputs) == strip_provider(created.outputs)
    assert read_inputs["config"] == {
        "apiKey": "dd-api-key-1234567890"
    }  # stored secret kept, default not added
    assert engine.diff(id_, outputs, inputs).changes == pb.DiffResponse.DIFF_NONE


def test_refresh_shows_out_of_band_change_and_up_corrects_it(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(config={"apiKey": "dd-api-key-1234567890"}))
    created = engine.create(inputs)
    path = f"/api/v2/integrations/{created.id}"
    out_of_band(
        emulator,
        "PATCH",
        path,
        [
            {"op": "replace", "path": "/name", "value": "Edited in the UI"},
            {"op": "replace", "path": "/config/hostURL", "value": "https://us3.datadoghq.com"},
        ],
    )

    _, outputs, read_inputs = engine.read(created.id, created.outputs, inputs)
    assert outputs["name"] == read_inputs["name"] == "Edited in the UI"
    assert read_inputs["config"]["hostURL"] == "https://us3.datadoghq.com"  # undeclared but not the default
    assert engine.diff(created.id, outputs, inputs).changes == pb.DiffResponse.DIFF_SOME

    emulator.clear_requests()
    engine.update(created.id, outputs, inputs)
    assert emulator.requests[0].body["patch"] == [
        {"op": "replace", "path": "/name", "value": inputs["name"]},
        {"op": "replace", "path": "/config/hostURL", "value": "https://api.datadoghq.com"},
    ]
    live = next(s for s in emulator.subscriptions("datadog") if s["_id"] == created.outputs["subscriptionId"])
    assert live["name"] == inputs["name"] and live["config"]["hostURL"] == "https://api.datadoghq.com"


def test_secret_rotated_out_of_band_is_drift(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    inputs = engine.checked(datadog())
    created = engine.create(inputs)
    out_of_band(
        emulator,
        "PATCH",
        f"/api/v2/integrations/{created.id}",
        [{"op": "replace", "path": "/config/apiKey", "value": "xyz-rotated-by-someone-789"}],
    )

    _, outputs, _ = engine.read(created.id, created.outputs, inputs)

    assert outputs["config"]["apiKey"] != "dd-api-key-1234567890"
    assert "xyz-rotated-by-someone-789" not in str(outputs)  # only the mask is known
    assert engine.diff(created.id, outputs, inputs).changes == pb.DiffResponse.DIFF_SOME
    emulator.clear_requests()
    engine.update(created.id, outputs, inputs)
    assert emulator.secret("datadog", created.outputs["subscriptionId"], "apiKey") == "dd-api-key-1234567890"


def test_refresh_after_out_of_band_delete_drops_the_resource(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog())
    created = engine.create(inputs)
    out_of_band(emulator, "DELETE", f"/api/v2/integrations/{created.id}")
    emulator.clear_requests()

    id_, _, _ = engine.read(created.id, created.outputs, inputs)

    assert id_ == ""  # the engine removes a resource whose read returns a blank id
    assert calls(emulator) == [("GET", f"/api/v2/integrations/{created.id}")]


def test_adoption_is_one_get_and_one_patch(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    existing = out_of_band(
        emulator,
        "POST",
        "/api/v2/integrations/datadog",
        {
            "name": "Made by hand",
            "config": {"apiKey": "hand-made-key-000"},
            "on": False,
            "statements": [
                {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
            ],
        },
    ).json()
    emulator.clear_requests()

    created = engine.create(engine.checked(datadog(adoptId=f"datadog/{existing['_id']}")))

    path = f"/api/v2/integrations/datadog/{existing['_id']}"
    assert calls(emulator) == [("GET", path), ("PATCH", path)]
    assert created.id == f"datadog/{existing['_id']}"
    assert len(emulator.subscriptions("datadog")) == len(
        {s["_id"] for s in emulator.subscriptions("datadog")}
    )
    assert emulator.secret("datadog", existing["_id"], "apiKey") == "dd-api-key-1234567890"
    live = next(s for s in emulator.subscriptions("datadog") if s["_id"] == existing["_id"])
    assert live["name"] == datadog()["name"] and live["on"] is True


def test_adopting_a_missing_subscription_is_a_clear_error(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    with pytest.raises(Exception, match=r"adoptId '0123456789abcdef01234567'.*remove adoptId"):
        engine.create(engine.checked(datadog(adoptId="0123456789abcdef01234567")))
    assert [m for m, _ in calls(emulator)] == ["GET"]


def test_integration_outside_the_catalog_round_trips_without_drift() -> None:
    """A key LaunchDarkly added after this release: its masked secret must not look like drift."""
    bundled = load_catalog()
    newer = Catalog(
        {
            **{key: bundled[key] for key in bundled},
            "brand-new-tool": Integration(
                key="brand-new-tool",
                name="Brand new tool",
                form_variables=(FormVariable(key="apiSecret", type="string", is_secret=True),),
            ),
        }
    )
    props = datadog(integrationKey="brand-new-tool", config={"apiSecret": "newtool-secret-value-42"})
    with Emulator(tokens=(TOKEN,), catalog=newer) as emulator:
        provider = EngineDrivenProvider(
            {
                "launchdarkly:accessToken": TOKEN,
                "launchdarkly:apiHost": emulator.url,
                "ld-auditsubs:allowUnknownIntegrations": "true",
            }
        )
        try:
            inputs = provider.checked(props)
            created = provider.create(inputs)
            _, outputs, read_inputs = provider.read(created.id, created.outputs, inputs)
            diff = provider.diff(created.id, outputs, inputs)
        finally:
            provider.close()
    assert read_inputs["config"] == {"apiSecret": "newtool-secret-value-42"}
    assert diff.changes == pb.DiffResponse.DIFF_NONE

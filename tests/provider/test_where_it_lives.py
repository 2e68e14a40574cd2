"""A subscription is acted on only at the LaunchDarkly instance that holds it (its ``apiHost`` output).

Two emulators stand for two instances (say commercial and EU). A stack brought up against one and
then refreshed, updated, previewed or destroyed against the other must refuse before sending
anything, naming both hosts, where the current one came from and the two ways out; another
instance's 404 must never drop a live subscription from state. ``ld-auditsubs:moveFromApiHost``
re-homes on purpose, for one run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import requests
from provider_harness import TOKEN, Created, EngineDrivenProvider, calls, datadog, strip_provider
from pulumi.runtime.proto import provider_pb2 as pb

from pulumi_ld_auditsubs.testing import Emulator


@pytest.fixture(scope="module")
def other() -> Iterator[Emulator]:
    """The other instance: same token, no subscriptions of ours."""
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


@pytest.fixture(scope="module")
def elsewhere(other: Emulator) -> Iterator[EngineDrivenProvider]:
    """A fresh shell whose environment points at the other instance (stack config names no host)."""
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN}, env={"LAUNCHDARKLY_API_HOST": other.url}
    )
    yield provider
    provider.close()


def made_at_home(engine: EngineDrivenProvider, name: str) -> tuple[dict[str, Any], Created]:
    inputs = engine.checked(datadog(name=name))
    return inputs, engine.create(inputs)


def refusal(caught: pytest.ExceptionInfo[grpc.RpcError], home: Emulator, other: Emulator) -> str:
    text = caught.value.details() or ""
    last = text.strip().splitlines()[-1]
    assert f"it lives at {home.url} (recorded in the stack's state)" in last
    assert f"this run talks to {other.url} (from the environment variable LAUNCHDARKLY_API_HOST)" in last
    assert f"pulumi config set launchdarkly:apiHost {home.url}" in last
    assert f"pulumi config set ld-auditsubs:moveFromApiHost {home.url}" in last
    return last


def test_create_records_the_host_that_holds_the_subscription(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    _, created = made_at_home(engine, "records its host")
    assert created.outputs["apiHost"] == emulator.url


def test_refresh_against_another_instance_refuses_and_keeps_it_in_state(
    engine: EngineDrivenProvider, elsewhere: EngineDrivenProvider, emulator: Emulator, other: Emulator
) -> None:
    inputs, created = made_at_home(engine, "refreshed from elsewhere")
    emulator.clear_requests()
    other.clear_requests()

    with pytest.raises(grpc.RpcError) as caught:
        elsewhere.read(created.id, created.outputs, inputs)

    refusal(caught, emulator, other)
    assert calls(other) == [] and calls(emulator) == []  # nothing asked, nothing concluded
    assert created.outputs["subscriptionId"] in [s["_id"] for s in emulator.subscriptions("datadog")]


def test_destroy_against_another_instance_refuses_instead_of_succeeding_on_its_404(
    engine: EngineDrivenProvider, elsewhere: EngineDrivenProvider, emulator: Emulator, other: Emulator
) -> None:
    _, created = made_at_home(engine, "destroyed from elsewhere")
    other.clear_requests()

    with pytest.raises(grpc.RpcError) as caught:
        elsewhere.delete(created.id, created.outputs)

    assert "failed to delete 'datadog' audit log subscription" in refusal(caught, emulator, other)
    assert calls(other) == []
    assert created.outputs["subscriptionId"] in [s["_id"] for s in emulator.subscriptions("datadog")]


def test_preview_and_update_against_another_instance_refuse(
    engine: EngineDrivenProvider, elsewhere: EngineDrivenProvider, emulator: Emulator, other: Emulator
) -> None:
    inputs, created = made_at_home(engine, "updated from elsewhere")
    changed = {**inputs, "name": "renamed"}
    other.clear_requests()

    with pytest.raises(grpc.RpcError) as at_preview:
        elsewhere.diff(created.id, created.outputs, changed)
    with pytest.raises(grpc.RpcError) as at_update:
        elsewhere.update(created.id, created.outputs, changed)

    refusal(at_preview, emulator, other)
    refusal(at_update, emulator, other)
    assert calls(other) == []


def test_state_without_a_recorded_host_takes_the_current_one(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    """State written before apiHost existed: refresh and update record the current host."""
    inputs, created = made_at_home(engine, "older state")
    old_outputs = {k: v for k, v in created.outputs.items() if k != "apiHost"}

    assert engine.diff(created.id, old_outputs, inputs).changes == pb.DiffResponse.DIFF_NONE
    _, refreshed, _ = engine.read(created.id, old_outputs, inputs)
    updated = engine.update(created.id, old_outputs, {**inputs, "tags": ["renamed-tag"]})

    assert refreshed["apiHost"] == updated["apiHost"] == emulator.url


def test_moving_on_purpose_rehomes_for_one_run_and_says_what_was_left_behind(emulator: Emulator) -> None:
    """The same instance reached under another name (localhost), and a subscription the new host lacks."""
    same_instance = emulator.url.replace("127.0.0.1", "localhost")
    home = EngineDrivenProvider({"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url})
    moving = EngineDrivenProvider(
        {
            "launchdarkly:accessToken": TOKEN,
            "launchdarkly:apiHost": same_instance,
            "ld-auditsubs:moveFromApiHost": emulator.url,
        }
    )
    try:
        inputs, kept = made_at_home(home, "moves with its instance")
        _, gone = made_at_home(home, "not at the new host")
        url = f"{emulator.url}/api/v2/integrations/{gone.id}"
        requests.delete(url, headers={"Authorization": emulator.token}, timeout=10).raise_for_status()

        # Preview shows an update (the host changes); the update re-homes it with one GET.
        assert moving.diff(kept.id, kept.outputs, inputs).changes == pb.DiffResponse.DIFF_SOME
        emulator.clear_requests()
        updated = moving.update(kept.id, kept.outputs, inputs)
        assert calls(emulator) == [("GET", f"/api/v2/integrations/{kept.id}")]  # nothing to patch
        assert updated["apiHost"] == same_instance
        assert strip_provider(updated) == {**strip_provider(kept.outputs), "apiHost": same_instance}

        # Re-homed: the setting no longer applies to it, and the old host is now the other one.
        assert moving.diff(kept.id, updated, inputs).changes == pb.DiffResponse.DIFF_NONE
        with pytest.raises(grpc.RpcError, match="this run talks to " + emulator.url.replace(".", r"\.")):
            home.read(kept.id, updated, inputs)

        # Not found at the new host: dropped from the stack, with a warning naming the old host.
        id_, outputs, _ = moving.read(gone.id, gone.outputs, inputs)
        assert (id_, strip_provider(outputs)) == ("", {})
    finally:
        home.close()
        stderr = moving.close()
    assert f"subscription {gone.id} is not at {same_instance}" in stderr
    assert f"if it still exists at {emulator.url} it keeps streaming there" in stderr

"""Answers that must never reach state, and errors a person can act on, over the real provider process.

Each case is injected through the emulator; the assertions are on what the engine receives: the
error text (one final line naming what failed, the subscription, the host and what to do; no chained
exceptions, no pydantic dump) and that nothing reached state (the hook failed, so the engine keeps the
prior state, and the emulator's subscription is untouched).
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
import requests
from provider_harness import TOKEN, Created, EngineDrivenProvider, calls, datadog

from pulumi_ld_auditsubs.testing import Emulator

FINAL_LINE_PREFIX = "pulumi_ld_auditsubs.errors.LaunchDarklyError: failed to "
GRPC_WORDING = "Exception calling application: failed to "
"""The same line from pulumi 3.216's dynamic provider, which sends gRPC's wording, not the traceback."""


def live_answer(emulator: Emulator, created: Created) -> dict[str, Any]:
    """What LaunchDarkly answers for this subscription (masked), to garble one field of."""
    response = requests.get(
        f"{emulator.url}/api/v2/integrations/{created.id}",
        headers={"Authorization": emulator.token},
        timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())


def error_text(caught: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    return caught.value.details() or ""


def final_line(text: str) -> str:
    """The line a person reads; everything above it is three short frames of the SDK's traceback."""
    assert "The above exception was the direct cause" not in text
    assert "During handling of the above exception" not in text
    assert "pydantic" not in text and "requests.exceptions" not in text and "urllib3" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith((FINAL_LINE_PREFIX, GRPC_WORDING)), last
    return last


def test_refresh_answer_that_is_not_a_subscription_names_request_and_field(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(name="refresh gets a garbled answer"))
    created = engine.create(inputs)
    path = f"/api/v2/integrations/{created.id}"
    emulator.inject_fault("GET", path, action="garble", body={**live_answer(emulator, created), "name": 5})

    with pytest.raises(grpc.RpcError) as caught:
        engine.read(created.id, created.outputs, inputs)

    line = final_line(error_text(caught))
    subscription_id = created.id.split("/")[1]
    subject = f"'datadog' audit log subscription 'refresh gets a garbled answer' (id {subscription_id})"
    assert f"failed to refresh {subject}" in line
    assert f"GET {path}" in line and "field `name`" in line and "nothing was stored" in line
    # Nothing changed: the next refresh (a good answer) shows no drift.
    _, outputs, _ = engine.read(created.id, created.outputs, inputs)
    assert outputs["name"] == "refresh gets a garbled answer"


def test_refresh_answer_with_a_garbled_status_names_the_field(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(name="status garbled"))
    created = engine.create(inputs)
    body = {**live_answer(emulator, created), "_status": "broken", "statements": "all"}
    emulator.inject_fault("GET", f"/api/v2/integrations/{created.id}", action="garble", body=body)

    with pytest.raises(grpc.RpcError) as caught:
        engine.read(created.id, created.outputs, inputs)

    line = final_line(error_text(caught))
    assert "field `statements`" in line and "field `_status`" in line


def test_refresh_answer_for_another_subscription_is_refused(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(name="mine"))
    mine = engine.create(inputs)
    other = engine.create(engine.checked(datadog(name="someone else's")))
    emulator.inject_fault(
        "GET", f"/api/v2/integrations/{mine.id}", action="garble", body=live_answer(emulator, other)
    )

    with pytest.raises(grpc.RpcError) as caught:
        engine.read(mine.id, mine.outputs, inputs)

    line = final_line(error_text(caught))
    assert other.id.split("/")[1] in line and "not the requested" in line


@pytest.mark.parametrize("hook", ["refresh", "delete"])
def test_html_404_is_not_gone_but_an_error_naming_the_host(
    engine: EngineDrivenProvider, emulator: Emulator, hook: str
) -> None:
    inputs = engine.checked(datadog(name=f"html 404 on {hook}"))
    created = engine.create(inputs)
    emulator.inject_fault(
        "GET" if hook == "refresh" else "DELETE",
        f"/api/v2/integrations/{created.id}",
        status=404,
        raw_body=b"<html><body>Not Found</body></html>",
        content_type="text/html",
    )

    with pytest.raises(grpc.RpcError) as caught:
        if hook == "refresh":
            engine.read(created.id, created.outputs, inputs)
        else:
            engine.delete(created.id, created.outputs)

    line = final_line(error_text(caught))
    assert f"failed to {hook}" in line and emulator.url in line and "launchdarkly:apiHost" in line
    assert any(s["_id"] == created.outputs["subscriptionId"] for s in emulator.subscriptions("datadog"))


def test_patch_answer_that_is_another_subscription_fails_and_keeps_prior_outputs(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    created = engine.create(engine.checked(datadog(name="patched")))
    other = engine.create(engine.checked(datadog(name="not patched")))
    path = f"/api/v2/integrations/{created.id}"
    emulator.inject_fault("PATCH", path, action="garble", body=live_answer(emulator, other))

    with pytest.raises(grpc.RpcError) as caught:
        engine.update(created.id, created.outputs, engine.checked(datadog(name="patched, renamed")))

    line = final_line(error_text(caught))
    assert "failed to update" in line and f"PATCH {path}" in line
    assert other.id.split("/")[1] in line and "not the requested" in line


def test_post_answer_with_an_unusable_body_is_never_stored_nor_reposted(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    """A well-formed `_id` with bad fields is read back and must be the declared subscription."""
    probe = engine.create(engine.checked(datadog(name="probe")))
    garbled = {**live_answer(emulator, probe), "name": 7}
    emulator.clear_requests()
    emulator.inject_fault("POST", "/api/v2/integrations/datadog", action="garble", body=garbled)
    name = "answer names another subscription"
    with pytest.raises(grpc.RpcError) as caught:
        engine.create(engine.checked(datadog(name=name)))

    line = final_line(error_text(caught))
    assert f"Check LaunchDarkly for a 'datadog' subscription named '{name}'" in line
    assert [m for m, _ in calls(emulator)] == ["POST", "GET"]
    assert len([s for s in emulator.subscriptions("datadog") if s["name"] == name]) == 1
    assert [s["name"] for s in emulator.subscriptions("datadog") if s["_id"] == probe.id[8:]] == ["probe"]


def test_damaged_resource_id_is_refused_before_any_request(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(name="damaged id"))
    with pytest.raises(grpc.RpcError) as caught:
        engine.read("datadog/..", {**inputs, "subscriptionId": ".."}, inputs)
    line = final_line(error_text(caught))
    assert "is not of the form '<integrationKey>/<subscriptionId>'" in line
    assert calls(emulator) == []


def test_unauthorized_names_the_token_setting_and_host_never_the_token(emulator: Emulator) -> None:
    wrong = "api-wrong-token-4815162342"
    provider = EngineDrivenProvider({"launchdarkly:accessToken": wrong, "launchdarkly:apiHost": emulator.url})
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(provider.checked(datadog(name="unauthorized")))
    finally:
        stderr = provider.close()
    text = error_text(caught)
    line = final_line(text)
    assert "failed to create 'datadog' audit log subscription 'unauthorized'" in line
    assert "HTTP 401" in line and "launchdarkly:accessToken" in line and emulator.url in line
    assert wrong not in text and wrong not in stderr


def test_unreachable_host_says_so_at_once_naming_the_setting() -> None:
    """A name that does not resolve fails at once (a refused port is waited for: test_production_safety)."""
    url = "https://ld-auditsubs-test.invalid"
    provider = EngineDrivenProvider({"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": url})
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(provider.checked(datadog(name="nobody listens")))
    finally:
        provider.close()
    line = final_line(error_text(caught))
    assert "cannot reach" in line and url in line and "launchdarkly:apiHost" in line


def test_retry_budget_spent_on_5xx_says_to_run_again_later(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {
            "launchdarkly:accessToken": TOKEN,
            "launchdarkly:apiHost": emulator.url,
            "ld-auditsubs:retryTimeoutSeconds": "1",
        }
    )
    created = provider.create(provider.checked(datadog(name="server keeps failing")))
    emulator.inject_fault("DELETE", f"/api/v2/integrations/{created.id}", status=503, times=100)
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.delete(created.id, created.outputs)
    finally:
        provider.close()
        emulator.clear_faults()
    line = final_line(error_text(caught))
    assert "failed to delete" in line and "HTTP 503" in line and "run the command again later" in line


def test_redirect_on_refresh_is_refused_naming_location_and_setting(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(datadog(name="redirected"))
    created = engine.create(inputs)
    elsewhere = "https://collector.example.net/steal"
    emulator.inject_fault(
        "GET", f"/api/v2/integrations/{created.id}", status=302, headers={"Location": elsewhere}
    )

    with pytest.raises(grpc.RpcError) as caught:
        engine.read(created.id, created.outputs, inputs)

    line = final_line(error_text(caught))
    assert "failed to refresh" in line and elsewhere in line and "launchdarkly:apiHost" in line

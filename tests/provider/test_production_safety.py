"""Production safety through the real provider process: secrets never echoed, settings mistakes named
where the user looks, failures that read as one sentence, and a proxy restarting for a moment.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any
from urllib.parse import quote

import grpc
import pytest
from provider_harness import TOKEN, EngineDrivenProvider, calls

from pulumi_ld_auditsubs.testing import Emulator

WEBHOOK = "https://hooks.slack.com/services/T000/B000/S3cr3tWebh00k"
OTHER_WEBHOOK = "https://hooks.slack.com/services/T000/B000/An0therS3cret"


def slack(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "integrationKey": "slack",
        "name": "Audit log to Slack",
        "config": {"url": WEBHOOK},
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
        "on": True,
        "tags": [],
    }
    props.update(overrides)
    return props


def details(caught: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    return caught.value.details() or ""


# -- 1. a secret is never echoed -------------------------------------------------------------------


def test_a_webhook_url_that_fails_validation_is_described_not_quoted(engine: EngineDrivenProvider) -> None:
    _, failures = engine.check(
        slack(config={"url": "htp://hooks.slack.com/services/T000/B000/S3cr3tWebh00k"})
    )

    assert [prop for prop, _ in failures] == ["config.url"]
    reason = failures[0][1]
    assert "a secret, not shown" in reason and "scheme is not http or https" in reason
    assert "S3cr3tWebh00k" not in reason


def test_an_api_answer_that_quotes_the_webhook_is_scrubbed(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    """LaunchDarkly's 400 may repeat what was sent, plain or URL-encoded: it never reaches the user."""
    inputs = engine.checked(slack(name="quoted by a POST answer"))
    quoted = f"invalid webhook {WEBHOOK} ({quote(WEBHOOK, safe='')})"
    emulator.inject_fault(
        "POST", "/api/v2/integrations/slack", status=400, body={"code": "invalid_request", "message": quoted}
    )

    with pytest.raises(grpc.RpcError) as caught:
        engine.create(inputs)

    assert "HTTP 400 invalid_request: invalid webhook [redacted] ([redacted])" in details(caught)
    assert "S3cr3tWebh00k" not in details(caught)


def test_a_patch_answer_that_quotes_the_old_and_new_webhook_is_scrubbed(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    inputs = engine.checked(slack(name="quoted by a PATCH answer"))
    created = engine.create(inputs)
    quoted = f"cannot replace {WEBHOOK} with {OTHER_WEBHOOK}"
    emulator.inject_fault(
        "PATCH",
        f"/api/v2/integrations/{created.id}",
        status=400,
        body={"code": "invalid_request", "message": quoted},
    )

    with pytest.raises(grpc.RpcError) as caught:
        engine.update(created.id, created.outputs, {**inputs, "config": {"url": OTHER_WEBHOOK}})

    assert "HTTP 400 invalid_request: cannot replace [redacted] with [redacted]" in details(caught)
    assert "S3cr3tWebh00k" not in details(caught) and "An0therS3cret" not in details(caught)


# -- 4. settings mistakes are named where the user looks ---------------------------------------------


@pytest.mark.parametrize(
    ("config", "env", "expected"),
    [
        (
            {"launchdarkly:apiHost": "htp://app.launchdarkly.com"},
            {},
            "launchdarkly:apiHost (from the stack config) must be an absolute https URL",
        ),
        (
            {},
            {"LAUNCHDARKLY_API_HOST": "htp://app.launchdarkly.com"},
            "launchdarkly:apiHost (from the environment variable LAUNCHDARKLY_API_HOST) must be",
        ),
        (
            {"launchdarkly:apiHost": "https://app.launchdarkly.com/api/v2"},
            {},
            "must be the host only, without the API path /api/v2 (it is added to every request), "
            "got 'https://app.launchdarkly.com/api/v2': give https://app.launchdarkly.com",
        ),
    ],
    ids=["malformed-in-stack-config", "malformed-in-environment", "api-path-pasted-in"],
)
def test_a_bad_api_host_is_one_check_failure_per_resource_not_a_traceback(
    config: dict[str, str], env: dict[str, str], expected: str
) -> None:
    provider = EngineDrivenProvider({"launchdarkly:accessToken": TOKEN, **config}, env=env)
    try:
        _, failures = provider.check(slack())
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(slack())
    finally:
        provider.close()

    [(prop, reason)] = failures
    assert prop == "" and reason.startswith("cannot configure pulumi-ld-auditsubs: ") and expected in reason
    assert "Traceback" not in reason and reason.endswith(".")
    assert expected in details(caught).strip().splitlines()[-1]


def test_a_proxy_path_prefix_stays_allowed(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": "https://proxy.example.com/launchdarkly"}
    )
    try:
        assert provider.check(slack())[1] == []
    finally:
        provider.close()


def test_a_failed_create_reads_as_one_frame_of_ours_and_a_last_line_that_says_what_to_do(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    emulator.inject_fault(
        "POST",
        "/api/v2/integrations/slack",
        status=403,
        body={"code": "forbidden", "message": "Access to the requested resource was denied"},
    )

    with pytest.raises(grpc.RpcError) as caught:
        engine.create(engine.checked(slack(name="refused by role")))

    text = details(caught)
    assert "During handling" not in text and "direct cause" not in text  # no chained exceptions
    last = text.strip().splitlines()[-1]
    if last.startswith("Exception calling application: "):  # pulumi 3.216 sends no traceback
        assert "\n" not in text.strip() and "Traceback" not in text
    else:
        assert text.count("pulumi_ld_auditsubs/") == 1  # one frame of ours
        assert last.startswith("pulumi_ld_auditsubs.errors.LaunchDarklyError: ")
    assert "failed to create 'slack' audit log" in last
    assert "subscription 'refused by role'" in last
    assert emulator.url in last and "check its role or custom-role scopes" in last and last.endswith(".")


# -- 3. a refused connection for a moment is retried ------------------------------------------------


def test_a_proxy_restarting_for_a_moment_does_not_fail_the_create() -> None:
    """Nothing listens for 1.5 s (connections refused), then the server is back: the create succeeds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Emulator(tokens=(TOKEN,), port=port)
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": f"http://127.0.0.1:{port}"}
    )
    restart = threading.Timer(1.5, server.start)
    try:
        started = time.monotonic()
        restart.start()
        created = provider.create(provider.checked(slack(name="through a restarting proxy")))
        waited = time.monotonic() - started
        assert [s["_id"] for s in server.subscriptions("slack")] == [created.outputs["subscriptionId"]]
        assert calls(server) == [("POST", "/api/v2/integrations/slack")]  # one POST: nothing was sent before
        assert 1.5 <= waited < 10
    finally:
        restart.cancel()
        provider.close()
        server.stop()

"""Every wait of about 2 s or more is a line in the provider's log (its stderr, which the engine
shows): a rate-limit wait names the route and the seconds, a retry names what failed and the
seconds, a recovery window says what it looks for and for how long. Never the token."""

from __future__ import annotations

import re

from provider_harness import TOKEN, EngineDrivenProvider, datadog

from pulumi_ld_auditsubs.testing import Emulator

COLLECTION = "/api/v2/integrations/datadog"


def info_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("INFO: pulumi-ld-auditsubs: ")]


def test_rate_limit_waits_retry_waits_and_recovery_windows_are_logged_without_the_token() -> None:
    with Emulator(tokens=(TOKEN,), rate_limit=1, rate_limit_window=3.0) as emulator:
        host = emulator.url
        provider = EngineDrivenProvider(
            {
                "launchdarkly:accessToken": TOKEN,
                "launchdarkly:apiHost": emulator.url,
                "ld-auditsubs:createRecoverySeconds": "2",
            },
            secret_keys=("launchdarkly:accessToken",),
        )
        try:
            first = provider.create(provider.checked(datadog(name="first")))
            provider.create(provider.checked(datadog(name="second")))  # the route's one request is spent
            item = f"{COLLECTION}/{first.outputs['subscriptionId']}"
            emulator.inject_fault("GET", item, status=503, headers={"Retry-After": "3"})
            provider.read(first.id, first.outputs, provider.checked(datadog(name="first")))
            emulator.inject_fault("POST", COLLECTION, action="drop_after")
            provider.create(provider.checked(datadog(name="third")))
        finally:
            stderr = provider.close()

    lines = info_lines(stderr)
    rate = [line for line in lines if "rate limit of POST /api/v2/integrations/{integrationKey}" in line]
    assert len(rate) == 1 and f"at {host} reached" in rate[0]
    assert re.search(r"waiting [23] s for its window to reset$", rate[0]), rate[0]
    retry = [line for line in lines if f"GET {item} failed with HTTP 503" in line]
    assert len(retry) == 1 and re.search(r"; retrying in [34] s$", retry[0]), retry
    window = [
        line for line in lines if "create of 'third'" in line and "looking for the subscription" in line
    ]
    assert len(window) == 1 and window[0].endswith("listing datadog for up to 2 s"), window
    assert TOKEN not in stderr

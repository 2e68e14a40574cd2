"""Provider settings over the real protocol: the token's source, the info line, the ld-auditsubs namespace."""

from __future__ import annotations

import grpc
import pytest
from provider_harness import TOKEN, EngineDrivenProvider, calls, datadog

from pulumi_ld_auditsubs.testing import Emulator


def test_configure_logs_host_and_token_source_never_the_token(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": f"  {TOKEN}\n", "launchdarkly:apiHost": emulator.url},
        secret_keys=("launchdarkly:accessToken",),
    )
    try:
        created = provider.create(provider.checked(datadog(name="token from stack config")))
    finally:
        stderr = provider.close()
    assert created.id.startswith("datadog/")  # surrounding whitespace was stripped
    assert f"INFO: pulumi-ld-auditsubs: LaunchDarkly API host {emulator.url}" in stderr
    assert "access token from launchdarkly:accessToken" in stderr
    assert TOKEN not in stderr


def test_token_from_the_environment_is_named_as_such(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {"launchdarkly:apiHost": emulator.url}, env={"LAUNCHDARKLY_ACCESS_TOKEN": TOKEN}
    )
    try:
        provider.create(provider.checked(datadog(name="token from the environment")))
    finally:
        stderr = provider.close()
    assert "access token from LAUNCHDARKLY_ACCESS_TOKEN" in stderr
    assert TOKEN not in stderr


@pytest.mark.parametrize(
    ("config", "env", "source"),
    [
        ({"launchdarkly:accessToken": "api-bad\r\nX-Injected: 1"}, {}, "launchdarkly:accessToken"),
        ({}, {"LAUNCHDARKLY_ACCESS_TOKEN": "api-non-ascii-\u00e9t\u00e9"}, "LAUNCHDARKLY_ACCESS_TOKEN"),
    ],
    ids=["header-injection", "non-ascii-env"],
)
def test_malformed_token_is_refused_before_any_request_naming_its_source(
    emulator: Emulator, config: dict[str, str], env: dict[str, str], source: str
) -> None:
    token = (config or env).get("launchdarkly:accessToken") or env["LAUNCHDARKLY_ACCESS_TOKEN"]
    provider = EngineDrivenProvider({"launchdarkly:apiHost": emulator.url, **config}, env=env)
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(datadog(name="never sent"))
    finally:
        stderr = provider.close()
    details = caught.value.details() or ""
    assert f"access token from {source}" in details
    assert token not in details and token.strip() not in details and token not in stderr
    assert calls(emulator) == []


def test_legacy_allow_unknown_key_still_works_with_a_deprecation_warning(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {
            "launchdarkly:accessToken": TOKEN,
            "launchdarkly:apiHost": emulator.url,
            "launchdarkly:allowUnknownIntegrations": "true",
        }
    )
    try:
        _, failures = provider.check(datadog(integrationKey="brand-new-tool", config={"x": "y"}))
    finally:
        stderr = provider.close()
    assert failures == []
    assert "`launchdarkly:allowUnknownIntegrations` is deprecated" in stderr
    assert "pulumi config set ld-auditsubs:allowUnknownIntegrations true" in stderr

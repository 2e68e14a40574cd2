"""Provider settings over the real protocol: the token's source, the info line, the ld-auditsubs namespace."""

from __future__ import annotations

import socket

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


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released), so a proxy there refuses at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("stack config", "(from the stack config launchdarkly:apiHost)"),
        ("environment", "(from the environment variable LAUNCHDARKLY_API_HOST)"),
    ],
)
def test_a_rejected_token_names_the_hosts_real_source(emulator: Emulator, where: str, named: str) -> None:
    """A 401 says which host the token was sent to and which setting chose that host."""
    config = {"launchdarkly:accessToken": "api-not-this-account-42"}
    env = {}
    if where == "stack config":
        config["launchdarkly:apiHost"] = emulator.url
    else:
        env["LAUNCHDARKLY_API_HOST"] = emulator.url
    provider = EngineDrivenProvider(config, env=env)
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(provider.checked(datadog(name="wrong token")))
    finally:
        provider.close()
    details = caught.value.details() or ""
    assert "401" in details and f"another LaunchDarkly instance than {emulator.url} {named}" in details
    assert "check the access token set in launchdarkly:accessToken" in details
    other = "LAUNCHDARKLY_API_HOST" if where == "stack config" else "launchdarkly:apiHost"
    assert other not in details


def test_the_default_host_is_named_as_the_default(emulator: Emulator) -> None:
    """No host set anywhere: the hint says the default host was used, not a setting the user never set."""
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN}, env={"HTTPS_PROXY": f"http://127.0.0.1:{_closed_port()}"}
    )
    try:
        with pytest.raises(grpc.RpcError) as caught:
            provider.create(provider.checked(datadog(name="default host")))
    finally:
        stderr = provider.close()
    details = caught.value.details() or ""
    assert "cannot reach https://app.launchdarkly.com" in details
    assert "check the host https://app.launchdarkly.com (the default host), any proxy settings" in details
    assert "launchdarkly:apiHost" not in details and "LAUNCHDARKLY_API_HOST" not in details
    assert "LaunchDarkly API host https://app.launchdarkly.com (from the default)" in stderr
    assert calls(emulator) == []

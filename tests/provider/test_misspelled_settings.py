"""A misspelled setting is refused at preview, never silently replaced by a default (issue: typo-proof).

Each row runs through the provider process as the engine drives it: the whole stack config goes to
Configure, and Check answers. A refused key fails Check naming the key it meant, before any request;
a legitimate key (ours, the bridged LaunchDarkly providers', another namespace) passes, with a
warning where a bridged provider's key stands in for ours.
"""

from __future__ import annotations

import pytest
from provider_harness import TOKEN, EngineDrivenProvider, calls, datadog

from pulumi_ld_auditsubs.testing import Emulator

REFUSED = [
    ("launchdarkly:apihost", "did you mean `launchdarkly:apiHost`"),
    ("launchdarkly:APIHOST", "did you mean `launchdarkly:apiHost`"),
    ("launchdarkly:apiHots", "did you mean `launchdarkly:apiHost`"),
    ("launchdarkly:accesToken", "did you mean `launchdarkly:accessToken`"),
    ("launchdarkly:AccessToken", "did you mean `launchdarkly:accessToken`"),
    ("ld-auditsubs:strictAction", "did you mean `ld-auditsubs:strictActions`"),
    ("ld-auditsubs:retryTimeoutSecond", "did you mean `ld-auditsubs:retryTimeoutSeconds`"),
    ("ld-auditsubs:apihost", "did you mean `ld-auditsubs:apiHost`"),
    ("ld-auditsubs:somethingElse", "is not a setting of pulumi-ld-auditsubs"),
    ("ld-auditsubs:apiHost", "reads `launchdarkly:apiHost`: set it too"),
]

PASSING = [
    "launchdarkly:oauthToken",
    "launchdarkly:httpTimeout",
    "launchdarkly:http_timeout",
    "launchdarkly:maxConcurrency",
    "launchdarkly:archiveFlagsOnDestroy",
    "launchdarkly:someFutureBridgedKey",
    "aws:region",
    "myproject:apihost",
    "ld-auditsubs:strictActions",
]


def _provider(emulator: Emulator, extra: dict[str, str]) -> EngineDrivenProvider:
    config = {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url}
    if "launchdarkly:apiHost" not in extra and extra.keys() & {
        "launchdarkly:apihost",
        "ld-auditsubs:apiHost",
    }:
        del config["launchdarkly:apiHost"]  # the typo instead of the key, as the user wrote it
    config.update(extra)
    return EngineDrivenProvider(config, secret_keys=("launchdarkly:accessToken",))


@pytest.mark.parametrize(("key", "message"), REFUSED)
def test_a_misspelled_setting_fails_check_naming_the_right_key(
    emulator: Emulator, key: str, message: str
) -> None:
    provider = _provider(emulator, {key: emulator.url if "ost" in key.lower() else "true"})
    try:
        _, failures = provider.check(datadog())
        with pytest.raises(Exception) as refused:
            provider.create(datadog())
    finally:
        stderr = provider.close()
    assert [prop for prop, _ in failures] == [""]
    assert key in failures[0][1] and message in failures[0][1]
    assert message in str(refused.value)
    assert calls(emulator) == []  # nothing reached any host, the default one included
    assert TOKEN not in stderr


@pytest.mark.parametrize("key", PASSING)
def test_legitimate_settings_pass(emulator: Emulator, key: str) -> None:
    provider = _provider(emulator, {key: "true" if key.endswith("Actions") else "10"})
    try:
        _, failures = provider.check(datadog())
    finally:
        provider.close()
    assert failures == []


def test_a_bridged_providers_host_key_warns_which_key_this_provider_reads(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:api_host": "https://app.eu.launchdarkly.com"},
        secret_keys=("launchdarkly:accessToken",),
    )
    try:
        _, failures = provider.check(datadog())
    finally:
        stderr = provider.close()
    assert failures == []
    assert "`launchdarkly:api_host` is a bridged LaunchDarkly provider's key" in stderr
    assert "it reads `launchdarkly:apiHost`" in stderr

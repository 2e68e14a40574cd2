"""One core, two hosts: the dynamic provider and the plugin give the same Check answers.

Both hosts call :mod:`pulumi_ld_auditsubs.operations.subscriptions`; this drives each in its own
process, as its engine does, with the same bad inputs, and compares what a user reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.engine.values import wrap_secret
from pulumi_ld_auditsubs.testing.plugin_process import PluginProcess
from pulumi_ld_auditsubs.testing.provider_process import EngineDrivenProvider, datadog_inputs

from .conftest import TOKEN

BAD_INPUTS: list[dict[str, Any]] = [
    {"integrationKey": "datadgo"},
    {"name": ""},
    {"statements": []},
    {"statements": [{"effect": "permit", "actions": ["*"], "resources": ["proj/*"]}]},
    {
        "statements": [
            {"effect": "allow", "actions": ["updateOnn"], "resources": ["proj/*:env/production:flag/*"]}
        ]
    },
    {"statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flags/*"]}]},
    {"config": {"hostURL": "https://api.datadoghq.eu"}},
    {"config": {"apiKey": "k" * 20, "hostURL": "https://example.com"}},
    {"tags": ["ok", 3]},
    {"on": "yes"},
]


@pytest.fixture(scope="module")
def dynamic(emulator: Emulator) -> Iterator[EngineDrivenProvider]:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url},
        secret_keys=("launchdarkly:accessToken",),
    )
    yield provider
    provider.close()


@pytest.mark.parametrize("overrides", BAD_INPUTS, ids=lambda o: ",".join(o))
def test_identical_check_failures(
    overrides: dict[str, Any], dynamic: EngineDrivenProvider, plugin: PluginProcess, emulator: Emulator
) -> None:
    news = datadog_inputs(**overrides)
    _, dynamic_failures = dynamic.check(news)
    plugin_failures = plugin.check(news).failures
    assert dynamic_failures, "each input here is refused"
    assert plugin_failures == dynamic_failures
    assert emulator.requests == []


def test_identical_settings_failures_name_each_hosts_own_key(emulator: Emulator) -> None:
    dynamic = EngineDrivenProvider({"launchdarkly:apiHost": "http://example.com"})
    with PluginProcess() as plugin:
        plugin.configure({"apiHost": "http://example.com", "accessToken": wrap_secret(TOKEN)})
        ((_, plugin_reason),) = [f for f in plugin.check(datadog_inputs()).failures if f[0] == ""]
    ((_, dynamic_reason),) = [f for f in dynamic.check(datadog_inputs())[1] if f[0] == ""]
    dynamic.close()
    assert dynamic_reason.replace("launchdarkly:apiHost", "ld-auditsubs:apiHost") == plugin_reason
    assert "only https is allowed" in plugin_reason

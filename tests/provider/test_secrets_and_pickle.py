"""The access token and secret config values never leak; `__provider` is stable and loads anywhere."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from provider_harness import TOKEN, EngineDrivenProvider, datadog, provider_blob

from pulumi_ld_auditsubs.testing import Emulator

GOLDEN = Path(__file__).with_name("golden") / "provider-0.x.b64"


def test_provider_pickle_matches_the_golden_copy() -> None:
    """Existing stacks hold this exact blob; a release that changes it breaks refresh/destroy."""
    assert provider_blob() == GOLDEN.read_text().strip()


def test_provider_pickle_loads_in_a_fresh_interpreter() -> None:
    script = (
        "import base64, sys, dill\n"
        "p = dill.loads(base64.b64decode(sys.argv[1]))\n"
        "print(type(p).__module__ + '.' + type(p).__qualname__, vars(p))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, provider_blob()], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "pulumi_ld_auditsubs.provider.AuditLogSubscriptionProvider {}"


def test_token_is_absent_from_provider_and_outputs(engine: EngineDrivenProvider) -> None:
    created = engine.create(engine.checked(datadog()))
    blob = created.outputs["__provider"]
    assert TOKEN.encode() not in base64.b64decode(blob)
    assert TOKEN not in str(created.outputs)


def test_wrong_token_error_names_the_status_but_not_the_token(emulator: Emulator) -> None:
    wrong = "api-wrong-token-5555555555"
    provider = EngineDrivenProvider({"launchdarkly:accessToken": wrong, "launchdarkly:apiHost": emulator.url})
    try:
        with pytest.raises(Exception) as failure:
            provider.create(provider.checked(datadog()))
    finally:
        stderr = provider.close()
    message = str(failure.value)
    assert "failed to create 'datadog' audit log subscription 'Production audit log to Datadog'" in message
    assert "401" in message and "unauthorized" in message
    assert wrong not in message and wrong not in stderr
    assert "dd-api-key-1234567890" not in message


def test_missing_token_names_both_places_to_set_it(emulator: Emulator) -> None:
    provider = EngineDrivenProvider({"launchdarkly:apiHost": emulator.url})
    try:
        with pytest.raises(Exception, match=r"launchdarkly:accessToken.*LAUNCHDARKLY_ACCESS_TOKEN"):
            provider.create(provider.checked(datadog()))
    finally:
        provider.close()


def test_token_from_the_environment_is_used(emulator: Emulator) -> None:
    provider = EngineDrivenProvider(
        {}, env={"LAUNCHDARKLY_ACCESS_TOKEN": TOKEN, "LAUNCHDARKLY_API_HOST": emulator.url}
    )
    try:
        created = provider.create(provider.checked(datadog()))
    finally:
        provider.close()
    assert created.id.startswith("datadog/")


def test_plain_http_is_refused_for_non_loopback_hosts() -> None:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": "http://ld.example.com"}
    )
    try:
        with pytest.raises(Exception, match="only https is allowed"):
            provider.create(provider.checked(datadog()))
    finally:
        provider.close()

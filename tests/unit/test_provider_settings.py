"""ProviderSettings.resolve: precedence, the token's source, the ld-auditsubs namespace, clear errors."""

from __future__ import annotations

import pytest

from pulumi_ld_auditsubs.api.settings import (
    DEFAULT_CREATE_RECOVERY_SECONDS,
    DEFAULT_HOST,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_RETRY_TIMEOUT_SECONDS,
    ProviderSettings,
    SettingsError,
)

TOKEN = "api-0123456789abcdef"


def test_stack_config_wins_over_the_environment() -> None:
    settings = ProviderSettings.resolve(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": "https://app.eu.launchdarkly.com"},
        {"LAUNCHDARKLY_ACCESS_TOKEN": "api-from-env", "LAUNCHDARKLY_API_HOST": "https://app.launchdarkly.us"},
    )
    assert (settings.token, settings.token_source) == (TOKEN, "launchdarkly:accessToken")
    assert (settings.host, settings.host_source) == (
        "https://app.eu.launchdarkly.com",
        "launchdarkly:apiHost",
    )


def test_blank_stack_config_falls_back_to_the_environment_and_names_it() -> None:
    settings = ProviderSettings.resolve(
        {"launchdarkly:accessToken": "  "}, {"LAUNCHDARKLY_ACCESS_TOKEN": f"\t{TOKEN}\n"}
    )
    assert (settings.token, settings.token_source) == (TOKEN, "LAUNCHDARKLY_ACCESS_TOKEN")
    assert (settings.host, settings.host_source) == (DEFAULT_HOST, "the default")


def test_defaults() -> None:
    settings = ProviderSettings.resolve({}, {})
    assert settings.token is None
    assert settings.allow_unknown_integrations is False
    assert settings.retry_timeout_seconds == DEFAULT_RETRY_TIMEOUT_SECONDS
    assert settings.read_timeout_seconds == DEFAULT_READ_TIMEOUT_SECONDS
    assert settings.create_recovery_seconds == DEFAULT_CREATE_RECOVERY_SECONDS
    assert settings.warnings == ()


@pytest.mark.parametrize(
    ("config", "env", "phrase"),
    [
        ({"launchdarkly:accessToken": "api-a b"}, {}, "token from launchdarkly:accessToken"),
        ({}, {"LAUNCHDARKLY_ACCESS_TOKEN": "api-\x00x"}, "token from LAUNCHDARKLY_ACCESS_TOKEN"),
        ({"launchdarkly:accessToken": "api-caf\u00e9"}, {}, "non-ASCII"),
        ({"launchdarkly:apiHost": "http://app.launchdarkly.com"}, {}, "only https is allowed"),
        ({"ld-auditsubs:allowUnknownIntegrations": "yes"}, {}, "`ld-auditsubs:allowUnknownIntegrations`"),
        ({"ld-auditsubs:retryTimeoutSeconds": "soon"}, {}, "`ld-auditsubs:retryTimeoutSeconds`"),
        ({"ld-auditsubs:readTimeoutSeconds": "0"}, {}, "`ld-auditsubs:readTimeoutSeconds`"),
        ({"ld-auditsubs:createRecoverySeconds": "nan"}, {}, "`ld-auditsubs:createRecoverySeconds`"),
        ({"ld-auditsubs:createRecoverySeconds": "-1"}, {}, "between 0 and 3600"),
        ({"ld-auditsubs:maxResponseMiB": "0"}, {}, "`ld-auditsubs:maxResponseMiB` must be a number of MiB"),
        ({"ld-auditsubs:maxResponseMiB": "lots"}, {}, "between 0 and 4096, got 'lots'"),
        (
            {},
            {"LD_AUDITSUBS_MAX_RESPONSE_MIB": "inf"},
            "LD_AUDITSUBS_MAX_RESPONSE_MIB must be a number of MiB",
        ),
    ],
)
def test_bad_settings_name_the_setting_never_the_token(
    config: dict[str, str], env: dict[str, str], phrase: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        ProviderSettings.resolve(config, env)
    assert phrase in str(caught.value)
    for value in (*config.values(), *env.values()):
        if "api-" in value:
            assert value not in str(caught.value)


def test_own_namespace_and_numbers() -> None:
    settings = ProviderSettings.resolve(
        {
            "ld-auditsubs:allowUnknownIntegrations": "TRUE",
            "ld-auditsubs:retryTimeoutSeconds": "120",
            "ld-auditsubs:readTimeoutSeconds": "2.5",
            "ld-auditsubs:createRecoverySeconds": "90",
        },
        {},
    )
    assert settings.allow_unknown_integrations is True
    assert settings.retry_timeout_seconds == 120.0
    assert settings.read_timeout_seconds == 2.5
    assert settings.create_recovery_seconds == 90.0


def test_the_answer_size_cap_comes_from_the_stack_then_the_environment_then_32_mib() -> None:
    assert ProviderSettings.resolve({}, {}).max_response_mib == 32.0
    env = {"LD_AUDITSUBS_MAX_RESPONSE_MIB": "64"}
    assert ProviderSettings.resolve({}, env).max_response_mib == 64.0
    assert ProviderSettings.resolve({"ld-auditsubs:maxResponseMiB": "0.5"}, env).max_response_mib == 0.5


def test_legacy_key_is_read_with_a_deprecation_warning() -> None:
    settings = ProviderSettings.resolve({"launchdarkly:allowUnknownIntegrations": "true"}, {})
    assert settings.allow_unknown_integrations is True
    [warning] = settings.warnings
    assert "`launchdarkly:allowUnknownIntegrations` is deprecated" in warning
    assert "pulumi config set ld-auditsubs:allowUnknownIntegrations true" in warning


def test_new_key_wins_over_the_legacy_one_without_a_warning() -> None:
    settings = ProviderSettings.resolve(
        {
            "ld-auditsubs:allowUnknownIntegrations": "false",
            "launchdarkly:allowUnknownIntegrations": "true",
        },
        {},
    )
    assert settings.allow_unknown_integrations is False
    assert settings.warnings == ()


def test_repr_never_shows_the_token() -> None:
    settings = ProviderSettings.resolve({"launchdarkly:accessToken": TOKEN}, {})
    assert TOKEN not in repr(settings) and "<set>" in repr(settings)

"""The bundled integration catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

from pulumi_ld_auditsubs.config_types import CONFIG_TYPES, IntegrationKey
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.catalog_overrides import CREDENTIAL_URLS

KEYS = [
    "chronosphere",
    "cloudtrail",
    "datadog",
    "dynatrace",
    "dynatrace-v2",
    "elastic",
    "grafana",
    "honeycomb",
    "jira",
    "kosli",
    "last9",
    "logdna",
    "mattermost",
    "msteams",
    "new-relic-apm",
    "pagerduty",
    "signalfx",
    "slack",
    "splunk",
    "vercel-native",
]


def test_twenty_integrations_sorted() -> None:
    catalog = load_catalog()
    assert len(catalog) == 20
    assert list(catalog) == KEYS


def test_loaded_once() -> None:
    assert load_catalog() is load_catalog()


def test_datadog() -> None:
    datadog = load_catalog()["datadog"]
    assert [v.key for v in datadog.form_variables] == ["apiKey", "hideMemberDetails", "hostURL"]
    assert datadog.secret_keys == frozenset({"apiKey"})
    assert datadog.defaults == {"hideMemberDetails": False, "hostURL": "https://api.datadoghq.com"}
    host = datadog.variable("hostURL")
    assert host is not None
    assert host.type == "enum"
    assert host.is_optional
    assert "https://api.datadoghq.eu" in host.allowed_values
    api_key = datadog.variable("apiKey")
    assert api_key is not None
    assert (api_key.is_secret, api_key.is_optional) == (True, False)
    assert datadog.variable("hostUrl") is None  # keys are case-sensitive


def test_splunk_keys_are_kebab_case_verbatim() -> None:
    splunk = load_catalog()["splunk"]
    assert {v.key for v in splunk.form_variables} == {"base-url", "skip-ca-verification", "token"}
    skip = splunk.variable("skip-ca-verification")
    assert skip is not None
    assert (skip.type, skip.is_optional, skip.default_value) == ("boolean", False, None)
    assert splunk.defaults == {}


def test_cloudtrail_external_id_is_generated() -> None:
    external_id = load_catalog()["cloudtrail"].variable("externalId")
    assert external_id is not None
    assert external_id.is_generated


def test_dynatrace_enum() -> None:
    entity = load_catalog()["dynatrace"].variable("entity")
    assert entity is not None
    assert len(entity.allowed_values) == 88
    assert entity.default_value == "APPLICATION"


def test_closest() -> None:
    catalog = load_catalog()
    assert catalog.closest("datdog")[0] == "datadog"
    assert catalog.closest("dynatrac")[0] == "dynatrace"
    assert catalog.closest("zzzzzzzz") == []


def test_credential_url_overrides_name_real_fields() -> None:
    """Every override points at an existing, non-masked field; a typo would silently protect nothing."""
    for key, fields in CREDENTIAL_URLS.items():
        integration = load_catalog()[key]
        for field in fields:
            variable = integration.variable(field)
            assert variable is not None, f"{key}.{field}"
            assert variable.is_state_secret and not variable.is_secret


def test_webhook_urls_are_state_secrets_but_not_masked() -> None:
    """The API returns webhook URLs as they are (not masked), but state keeps them as secrets."""
    for key in ("slack", "msteams", "mattermost"):
        integration = load_catalog()[key]
        assert integration.secret_keys == frozenset()
        assert integration.state_secret_keys == frozenset({"url"})
    datadog = load_catalog()["datadog"]
    assert datadog.state_secret_keys == datadog.secret_keys == frozenset({"apiKey"})


def test_derived_files_are_current() -> None:
    """config_types.py, the resource's overloads and docs/integrations.md match the catalog."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "generate_catalog.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_typed_config_matches_catalog() -> None:
    """Spot checks of the generated TypedDicts: verbatim keys, required vs optional, generated left out."""
    assert set(get_args(IntegrationKey)) == set(KEYS)
    assert set(CONFIG_TYPES) == set(KEYS)
    splunk = CONFIG_TYPES["splunk"]
    assert splunk.__required_keys__ == {"base-url", "skip-ca-verification", "token"}
    datadog = CONFIG_TYPES["datadog"]
    assert datadog.__required_keys__ == {"apiKey"}
    assert datadog.__optional_keys__ == {"hostURL", "hideMemberDetails"}
    assert "externalId" not in CONFIG_TYPES["cloudtrail"].__annotations__  # LaunchDarkly fills it in

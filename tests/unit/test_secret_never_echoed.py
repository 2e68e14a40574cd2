"""No Check failure or warning ever quotes a secret config value, whatever is wrong with it.

A table over every field that is kept as a Pulumi secret (masked by LaunchDarkly, or a credential
URL listed in ``catalog_overrides.CREDENTIAL_URLS``) of every integration in the catalog, and over
every kind of failure that used to quote the value. The value carries a marker that must never
appear in a message, while the message must still say what is wrong.
"""

from __future__ import annotations

import pytest

from pulumi_ld_auditsubs.rules.catalog import FormVariable, Integration, load_catalog
from pulumi_ld_auditsubs.rules.models import MAX_CONFIG_VALUE_LENGTH, check_inputs

MARKER = "S3cr3tMarker"

FAILURE_KINDS: dict[str, tuple[str, str]] = {
    # kind: (value, what the message must say instead of quoting it)
    "no-scheme": (f"hooks.example.com/services/{MARKER}", "no scheme"),
    "wrong-scheme": (f"htp://hooks.example.com/services/{MARKER}", "scheme is not http or https"),
    "inner-whitespace": (f"https://hooks.example.com/services/{MARKER} X", "contains whitespace"),
    "no-host": (f"https:///services/{MARKER}", "names no host"),
    "trailing-newline": (f"https://hooks.example.com/services/{MARKER}\n", "control character"),
    "bidi-control": (f"https://hooks.example.com/\u202e{MARKER}", "bidirectional-text control"),
    "too-long": (f"https://hooks.example.com/{MARKER}" + "x" * MAX_CONFIG_VALUE_LENGTH, "characters long"),
}
URL_ONLY_KINDS = {"no-scheme", "wrong-scheme", "inner-whitespace", "no-host"}


def secret_fields() -> list[tuple[Integration, FormVariable]]:
    return [
        (integration, variable)
        for integration in load_catalog().values()
        for variable in integration.form_variables
        if variable.is_state_secret and not variable.is_generated
    ]


CASES = [
    pytest.param(integration.key, variable.key, kind, id=f"{integration.key}.{variable.key}-{kind}")
    for integration, variable in secret_fields()
    for kind in FAILURE_KINDS
    if kind not in URL_ONLY_KINDS or variable.type == "uri" or "url" in variable.key.lower()
]


def test_the_table_covers_masked_secrets_and_credential_urls() -> None:
    keys = {(integration.key, variable.key) for integration, variable in secret_fields()}
    assert {("slack", "url"), ("msteams", "url"), ("mattermost", "url"), ("datadog", "apiKey")} <= keys
    assert len(CASES) >= 80


@pytest.mark.parametrize(("integration_key", "field", "kind"), CASES)
def test_a_secret_field_that_fails_is_described_never_quoted(
    integration_key: str, field: str, kind: str
) -> None:
    value, said = FAILURE_KINDS[kind]
    report = check_inputs(
        {
            "integrationKey": integration_key,
            "name": "secret echo",
            "config": {field: value},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]}],
        }
    )

    about_field = [f for f in report.failures if f.property == f"config.{field}"]
    assert about_field, f"no failure for config.{field}: {report.failures}"
    assert any(said in f.reason for f in about_field), about_field
    everything = " ".join([*(f"{f.property} {f.reason}" for f in report.failures), *report.warnings])
    assert MARKER not in everything

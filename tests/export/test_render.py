"""The generated program, without a server: names, defaults, secrets, and source that ruff accepts."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_ld_auditsubs.commands.export_render import (
    ALLOW_UNKNOWN_KEY,
    FoundSubscription,
    config_key_for,
    render_project,
    resource_names,
)
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.models import Subscription

ALL_FLAGS = {"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}


def found(key: str, name: str, sub_id: str, config: dict[str, Any], **extra: Any) -> FoundSubscription:
    body = {"_id": sub_id, "kind": key, "name": name, "config": config, "statements": [ALL_FLAGS], "on": True}
    return FoundSubscription(key, Subscription.model_validate({**body, **extra}))


def render(*items: FoundSubscription) -> Any:
    return render_project(
        list(items),
        catalog=load_catalog(),
        project="acct",
        stack="prod",
        requirements="pulumi-ld-auditsubs\n",
        api_host="https://app.launchdarkly.com",
    )


def kwargs_of(main: str) -> list[dict[str, Any]]:
    """Each AuditLogSubscription call's arguments, evaluated where they are literals."""
    calls = []
    for node in ast.walk(ast.parse(main)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AuditLogSubscription":
            args: dict[str, Any] = {"resource_name": ast.literal_eval(node.args[0])}
            for keyword in node.keywords:
                try:
                    args[str(keyword.arg)] = ast.literal_eval(keyword.value)
                except ValueError:
                    args[str(keyword.arg)] = ast.unparse(keyword.value)
            calls.append(args)
    return calls


def test_names_are_slugs_made_unique_by_the_end_of_the_id_and_do_not_depend_on_order() -> None:
    a = found("splunk", "Everything to Splunk!", "65f000000000000000aaaaaa", {})
    b = found("splunk", "everything to  splunk", "65f000000000000000bbbbbb", {})
    c = found("datadog", "Prod", "65f000000000000000cccccc", {})
    d = found("datadog", "¿¿", "65f000000000000000dddddd", {})

    assert resource_names([a, b, c, d]) == [
        "everything-to-splunk-aaaaaa",
        "everything-to-splunk-bbbbbb",
        "prod",
        "datadog",
    ]
    assert render(a, b, c, d).files == render(d, c, b, a).files


def test_config_keys_are_camel_case_and_unique() -> None:
    taken: set[str] = set()
    assert config_key_for("everything-to-splunk", "token", taken) == "everythingToSplunkToken"
    assert config_key_for("my-dr", "base-url", taken) == "myDrBaseUrl"
    assert config_key_for("my", "dr-base-url", taken) == "myDrBaseUrl2"
    assert config_key_for("2024-log", "apiKey", taken) == "subscription2024LogApiKey"


def test_defaults_generated_fields_on_and_empty_tags_are_left_out() -> None:
    exported = render(
        found(
            "datadog",
            "Prod",
            "65f000000000000000000001",
            {"apiKey": "abc********xyz", "hostURL": "https://api.datadoghq.com", "hideMemberDetails": True},
            tags=[],
        ),
        found(
            "cloudtrail",
            "Trail",
            "65f000000000000000000002",
            {"accountId": "", "externalId": "f3b1", "ingestionChannelArn": "arn:aws:cloudtrail:x"},
            on=False,
            tags=["aws"],
        ),
    )

    trail, prod = kwargs_of(exported.files["__main__.py"])
    assert prod == {
        "resource_name": "prod",
        "integration_key": "datadog",
        "name": "Prod",
        "config": "DatadogConfig(apiKey=config.require_secret('prodApiKey'), hideMemberDetails=True)",
        "statements": "[Statement(effect='allow', actions=['*'], resources=['proj/*'])]",
        "adopt_id": "datadog/65f000000000000000000001",
    }
    assert trail["config"] == "CloudtrailConfig(ingestionChannelArn='arn:aws:cloudtrail:x')"
    assert trail["on"] is False and trail["tags"] == ["aws"]
    assert [(s.config_key, s.field) for s in exported.secrets] == [("prodApiKey", "apiKey")]
    assert "pulumi config set --stack prod --secret prodApiKey" in exported.files["README.md"]
    assert exported.summary() == "exported 2 audit log subscriptions: cloudtrail 1, datadog 1"


def test_config_is_built_with_the_integrations_typed_dict_and_the_stack_file_names_the_host() -> None:
    exported = render(
        found(
            "splunk",
            "Splunk",
            "65f000000000000000000005",
            {"base-url": "https://s.example:8088", "token": "abc****xyz", "skip-ca-verification": False},
        ),
        found("slack", "Slack", "65f000000000000000000006", {"url": "https://hooks.slack.com/services/x"}),
    )

    main = exported.files["__main__.py"]
    slack, splunk = kwargs_of(main)
    assert slack["config"] == "SlackConfig(url=config.require_secret('slackUrl'))"
    assert splunk["config"] == (  # keys that are not identifiers: the class takes the dict
        "SplunkConfig({'base-url': 'https://s.example:8088', 'token': config.require_secret('splunkToken'), "
        "'skip-ca-verification': False})"
    )
    assert "from pulumi_ld_auditsubs.config_types import SlackConfig, SplunkConfig\n" in main
    assert exported.warnings == []
    stack_file = exported.files["Pulumi.prod.yaml"]
    assert 'config:\n  launchdarkly:apiHost: "https://app.launchdarkly.com"\n' in stack_file
    assert [line for line in stack_file.splitlines() if not line.startswith("#")] == [
        "config:",
        '  launchdarkly:apiHost: "https://app.launchdarkly.com"',
    ]


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"apiKey": "abc****xyz", "site": "eu"}, "a key the catalog does not know"),
        ({"apiKey": "abc****xyz", "hostURL": "https://api.datadoghq.moon"}, "a value outside the Literal"),
        ({"apiKey": "abc****xyz", "hideMemberDetails": "true"}, "a boolean stored as a string"),
        ({"hostURL": "https://api.datadoghq.eu"}, "a required key missing"),
    ],
    ids=["unknown-key", "enum-value", "string-boolean", "missing-required"],
)
def test_config_the_typed_dict_would_refuse_stays_a_plain_dict_with_a_warning(
    config: dict[str, Any], why: str
) -> None:
    """The exported program must type-check: a value this release's catalog does not describe
    (LaunchDarkly added it later) goes through the resource's plain-mapping overload instead."""
    exported = render(found("datadog", "Odd", "65f000000000000000000007", config))

    [odd] = kwargs_of(exported.files["__main__.py"])
    assert str(odd["config"]).startswith("{"), why
    assert "config_types" not in exported.files["__main__.py"]
    assert exported.warnings == [
        "datadog subscription 'Odd' holds config that this release's catalog does not describe, so "
        "resource 'odd' passes it as a plain dict, unchecked by type checkers (the provider checks it "
        "at preview)"
    ]


def test_an_integration_outside_the_catalog_keeps_its_values_and_its_masked_ones_become_secrets() -> None:
    exported = render(
        found(
            "acme", "Acme", "65f000000000000000000003", {"endpoint": "https://a.example", "key": "abc****xyz"}
        )
    )

    [acme] = kwargs_of(exported.files["__main__.py"])
    assert acme["config"] == "{'endpoint': 'https://a.example', 'key': config.require_secret('acmeKey')}"
    assert exported.unknown_integrations == ["acme"]
    assert f'{ALLOW_UNKNOWN_KEY}: "true"' in exported.files["Pulumi.prod.yaml"]
    assert "acme are not in this provider's integration catalog" in exported.files["README.md"]
    assert exported.summary() == "exported 1 audit log subscription: acme 1 (not in the catalog)"


def test_a_subscription_without_statements_is_exported_with_a_warning() -> None:
    """The resource requires a statement; LaunchDarkly may hold none (made through the API)."""
    exported = render(
        found("datadog", "Bare", "65f000000000000000000004", {"apiKey": "abc****xyz"}, statements=[])
    )

    [bare] = kwargs_of(exported.files["__main__.py"])
    assert bare["statements"] == []
    assert exported.warnings == [
        "datadog subscription 'Bare' has no policy statements; add at least one to resource 'bare' in "
        "__main__.py before `pulumi up`"
    ]
    assert f"- {exported.warnings[0]}" in exported.files["README.md"]
    assert "from pulumi_ld_auditsubs import AuditLogSubscription\n" in exported.files["__main__.py"]


AWKWARD_STRINGS = [
    'say "hi"',
    "it's",
    "both ' and \"",
    "back\\slash",
    "tab\there",
    "new\nline",
    "ünïcödé ✓",
    "x" * 150,
]


@pytest.mark.parametrize("line_length", [88, 110])
def test_awkward_values_compile_to_themselves_and_ruff_leaves_the_source_alone(
    tmp_path: Path, line_length: int
) -> None:
    items = [
        found(
            "msteams",
            text,
            f"65f0000000000000000000{index:02d}",
            {"url": f"https://example.webhook.office.com/{'w' * index * 12}"},
            tags=[f"tag-{i}" for i in range(index + 1)],
            statements=[{"effect": "deny", "notActions": [text, "*"], "resources": [f"proj/{text}"] * 3}],
        )
        for index, text in enumerate(AWKWARD_STRINGS)
    ]
    main = render(*items).files["__main__.py"]
    source = tmp_path / "__main__.py"
    source.write_text(main, encoding="utf-8")

    ruff = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--isolated",
            "--diff",
            f"--line-length={line_length}",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    names = sorted(call["name"] for call in kwargs_of(main))
    assert names == sorted(AWKWARD_STRINGS)
    not_actions = [
        ast.literal_eval(keyword.value)
        for node in ast.walk(ast.parse(main))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Statement"
        for keyword in node.keywords
        if keyword.arg == "not_actions"
    ]
    assert sorted(not_actions) == sorted([text, "*"] for text in AWKWARD_STRINGS)

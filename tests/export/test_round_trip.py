"""The round trip is the test: an account made by hand, exported, then managed by the exported program.

The exported program passes ``mypy --strict`` (each config built with its ``TypedDict``), and its
stack file names the host it was exported from, which the local engine reads: no ``--config`` host is
given. After the secrets are set, the first ``up`` of the generated project takes every subscription
over without creating or deleting any (no POST, no DELETE) and writes at most one PATCH per
subscription (the secrets it cannot compare, because LaunchDarkly returns them masked); an
immediate ``preview --expect-no-changes`` passes without a single request.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mypy import api as mypy

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine

from .support import (
    PASSPHRASE,
    SEED_SECRETS,
    TOKEN,
    UNKNOWN_KEY,
    api,
    catalog_with_unknown_integration,
    export,
    seed,
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,), catalog=catalog_with_unknown_integration()) as running:
        yield running


def make_account(base_url: str) -> None:
    """The example's three subscriptions plus the awkward cases: a duplicate name, a default set
    explicitly, a generated field."""
    seed(base_url)
    api(
        base_url,
        "POST",
        "splunk",
        {
            "name": "Everything to Splunk",  # the same name as a seeded one
            "config": {
                "base-url": "https://splunk-dr.example.com:8088",
                "token": "splunk-dr-throwaway-token",
                "skip-ca-verification": True,
            },
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
            "on": True,
            "tags": ["dr"],
        },
    )
    api(
        base_url,
        "POST",
        "datadog",
        {
            "name": 'Staging "canary" log',
            "config": {"apiKey": "dd-staging-throwaway-99", "hideMemberDetails": False},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/staging:flag/*"]}],
            "on": True,
        },
    )
    api(
        base_url,
        "POST",
        "cloudtrail",
        {
            "name": "AWS CloudTrail Lake",
            "config": {"ingestionChannelArn": "arn:aws:cloudtrail:us-east-1:123456789012:channel/abc"},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
            "on": True,
        },
    )


def test_exported_project_adopts_every_subscription_without_changing_it(
    emulator: Emulator, tmp_path: Path
) -> None:
    make_account(emulator.url)
    before = {s["_id"]: s for s in emulator.subscriptions()}
    out = tmp_path / "ld-account"

    result = export(emulator.url, "--output", str(out))

    assert result.returncode == 0, result.stderr
    assert (
        "exported 6 audit log subscriptions: cloudtrail 1, datadog 2, msteams 1, splunk 2 into"
        in result.stdout
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "Pulumi.dev.yaml",
        "Pulumi.yaml",
        "README.md",
        "__main__.py",
        "requirements.txt",
    ]
    written = "".join(p.read_text() for p in out.iterdir()) + result.stdout + result.stderr
    for secret in [
        *SEED_SECRETS.values(),
        "splunk-dr-throwaway-token",
        "dd-staging-throwaway-99",
    ]:
        assert secret not in written
    main = (out / "__main__.py").read_text()
    compile(main, "__main__.py", "exec")
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--isolated", str(out / "__main__.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    assert main.count("AuditLogSubscription(\n") == 6
    assert "externalId" not in main and "hideMemberDetails" not in main  # generated; default
    assert (
        "from pulumi_ld_auditsubs.config_types import (\n    CloudtrailConfig,\n    DatadogConfig,\n" in main
    )
    assert main.count("config=DatadogConfig(\n") == 2 and main.count("config=SplunkConfig(\n") == 2
    assert main.count("config=MsteamsConfig(\n") == 1 and main.count("config=CloudtrailConfig(\n") == 1
    assert_type_checks(out / "__main__.py", tmp_path)
    stack_file = yaml.safe_load((out / "Pulumi.dev.yaml").read_text())
    assert stack_file == {"config": {"launchdarkly:apiHost": emulator.url}}  # nothing that could be secret

    # the secrets, set as the export printed them (the local engine takes them as --config)
    commands = [line.split("  #")[0].strip() for line in result.stdout.splitlines() if "--secret" in line]
    keys = [command.rsplit(" ", 1)[-1] for command in commands]
    assert commands[0] == "pulumi config set --stack dev --secret launchdarkly:accessToken"
    secrets = dict(zip(sorted(keys[1:]), sorted_secret_values(main, keys[1:]), strict=True))
    engine = LocalEngine(  # no host here: the stack file's launchdarkly:apiHost is the one used
        out,
        "dev",
        state_dir=tmp_path / "state",
        config={"launchdarkly:accessToken": TOKEN, **secrets},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "LAUNCHDARKLY_API_HOST": "https://ld.invalid"},
    )
    emulator.clear_requests()

    up = engine.up()

    assert up.returncode == 0, up.output
    assert f"LaunchDarkly API host {emulator.url} (from launchdarkly:apiHost)" in up.stderr
    assert "    + 6 created" in up.stdout
    methods = Counter(r.method for r in emulator.requests)
    assert methods["POST"] == 0 and methods["DELETE"] == 0
    patches = Counter(r.path for r in emulator.requests if r.method == "PATCH")
    assert max(patches.values()) == 1
    assert len(patches) == 4  # the four subscriptions holding a secret; the others are untouched
    for request in emulator.requests:
        if request.method == "PATCH":
            assert {op["path"] for op in request.body["patch"]} <= {
                "/config/apiKey",
                "/config/token",
            }
            assert request.body["comment"] == "Updated by Pulumi stack ld-account/dev (pulumi-ld-auditsubs)"
    after = {s["_id"]: s for s in emulator.subscriptions()}
    assert after.keys() == before.keys()
    for subscription_id, subscription in after.items():
        assert {k: v for k, v in subscription.items() if k != "_status"} == {
            k: v for k, v in before[subscription_id].items() if k != "_status"
        }
    emulator.clear_requests()

    preview = engine.preview(expect_no_changes=True)

    assert preview.returncode == 0, preview.output
    assert emulator.requests == []


SECRET_BY_FIELD_AND_NAME = {
    ("apiKey", "Production audit log to Datadog"): SEED_SECRETS["datadog"],
    ("apiKey", 'Staging "canary" log'): "dd-staging-throwaway-99",
    (
        "url",
        "Flag changes to the release channel",
    ): "https://example.webhook.office.com/webhookb2/release-channel",
}


def assert_type_checks(program: Path, tmp_path: Path) -> None:
    """``mypy --strict`` on the exported program, as its user would run it (a cache of its own)."""
    stdout, stderr, status = mypy.run(
        ["--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "mypy-cache"), str(program)]
    )
    assert (stdout, stderr, status) == ("", "", 0)


def config_items(config: ast.expr) -> list[tuple[str, ast.expr]]:
    """The (key, value) pairs of a config written as ``XConfig(k=v)``, ``XConfig({...})`` or ``{...}``."""
    if isinstance(config, ast.Call) and config.keywords:
        return [(str(k.arg), k.value) for k in config.keywords]
    if isinstance(config, ast.Call):
        [config] = config.args
    assert isinstance(config, ast.Dict)
    return [(ast.literal_eval(k), v) for k, v in zip(config.keys, config.values, strict=True)]  # type: ignore[arg-type]


def sorted_secret_values(main: str, keys: list[str]) -> list[str]:
    """The plaintext each stack config key stands for, found by reading the generated program."""
    tree = ast.parse(main)
    values: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AuditLogSubscription":
            kwargs = {k.arg: k.value for k in node.keywords}
            name = ast.literal_eval(kwargs["name"])
            for field, value_node in config_items(kwargs["config"]):
                if isinstance(value_node, ast.Call):
                    config_key = ast.literal_eval(value_node.args[0])
                    values[config_key] = secret_for(field, name, ast.unparse(kwargs["config"]))
    return [values[key] for key in sorted(keys)]


def secret_for(field: str, name: str, config_source: str) -> str:
    if field == "token":  # two Splunk subscriptions share the name; their base-url tells them apart
        return "splunk-dr-throwaway-token" if "splunk-dr" in config_source else SEED_SECRETS["splunk"]
    return SECRET_BY_FIELD_AND_NAME[(field, name)]


def test_an_integration_outside_the_catalog_round_trips_with_the_stack_setting(
    emulator: Emulator, tmp_path: Path
) -> None:
    """LaunchDarkly added an integration after this release: ``--integration`` reaches it, and the
    generated stack file allows it, so the first ``up`` adopts it like any other."""
    created = api(
        emulator.url,
        "POST",
        UNKNOWN_KEY,
        {
            "name": "Acme",
            "config": {"endpoint": "https://acme.example.com/ingest", "apiToken": "acme-throwaway-token-42"},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
            "on": True,
        },
    ).json()
    out = tmp_path / "acme"

    result = export(emulator.url, "--output", str(out), "--integration", UNKNOWN_KEY)

    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((out / "Pulumi.dev.yaml").read_text()) == {
        "config": {"launchdarkly:apiHost": emulator.url, "ld-auditsubs:allowUnknownIntegrations": "true"}
    }
    main = (out / "__main__.py").read_text()
    assert "    config={\n" in main and "config_types" not in main  # outside the catalog: a plain dict
    assert_type_checks(out / "__main__.py", tmp_path)
    engine = LocalEngine(
        out,
        "dev",
        state_dir=tmp_path / "state",
        config={"launchdarkly:accessToken": TOKEN, "acmeApiToken": "acme-throwaway-token-42"},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )
    emulator.clear_requests()

    up = engine.up()

    assert up.returncode == 0, up.output
    assert [r.method for r in emulator.requests] == ["GET", "PATCH"]
    assert emulator.requests[1].body["patch"] == [
        {"op": "replace", "path": "/config/apiToken", "value": "acme-throwaway-token-42"}
    ]
    assert [s["_id"] for s in emulator.subscriptions(UNKNOWN_KEY)] == [created["_id"]]
    emulator.clear_requests()
    assert engine.preview(expect_no_changes=True).returncode == 0
    assert emulator.requests == []

"""Shared by the plugin-through-the-local-engine tests: two accounts, their emulators, the checks."""

from __future__ import annotations

import json
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine, LocalResult

US_TOKEN = "api-us-account-0123456789"
EU_TOKEN = "api-eu-account-9876543210"
DATADOG_KEY = "datadog-key-never-in-state-42"
WEBHOOK = "https://hooks.example.com/services/T0/B0/webhook-never-in-state"
SECRETS = (US_TOKEN, EU_TOKEN, DATADOG_KEY, WEBHOOK)
PASSPHRASE = "plugin-engine-tests"
RESOURCE = "ld-auditsubs:index:AuditLogSubscription"
PROVIDER = "pulumi:providers:ld-auditsubs"


@dataclass
class Accounts:
    us: Emulator
    eu: Emulator

    def clear(self) -> None:
        self.us.clear_requests()
        self.eu.clear_requests()

    def requests(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        return [(r.method, r.path) for r in self.us.requests], [(r.method, r.path) for r in self.eu.requests]


def stack_program(example: Path, directory: Path, project: str, webhook_key: str) -> Path:
    """A copy of ``example`` whose stack file marks the token and secret values ``secure:`` (as
    ``pulumi config set --secret`` does), so they reach the engine as secret config."""
    program = directory / example.name
    shutil.copytree(example, program, ignore=shutil.ignore_patterns("node_modules", ".pulumi-local"))
    keys = [
        "ld-auditsubs:accessToken",
        *(f"{project}:{k}" for k in ("euAccessToken", "datadogApiKey", webhook_key)),
    ]
    stack = {"config": {key: {"secure": "v1:cli-ciphertext-the-local-engine-does-not-read"} for key in keys}}
    (program / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    return program


def engine(program: Path, state_dir: Path, accounts: Accounts, project: str, webhook_key: str) -> LocalEngine:
    """The default provider at the US emulator (stack config), the explicit one at the EU emulator;
    the secrets through ``PULUMI_LOCAL_CONFIG_<KEY>``, never on a command line."""
    return LocalEngine(
        program,
        "dev",
        state_dir=state_dir,
        config={"ld-auditsubs:apiHost": accounts.us.url, "euApiHost": accounts.eu.url},
        secrets={
            "ld-auditsubs:accessToken": US_TOKEN,
            f"{project}:euAccessToken": EU_TOKEN,
            f"{project}:datadogApiKey": DATADOG_KEY,
            f"{project}:{webhook_key}": WEBHOOK,
        },
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )


def ok(result: LocalResult) -> LocalResult:
    assert result.returncode == 0, result.output
    for value in SECRETS:
        assert value not in result.output, f"{result.operation} printed a secret"
    return result


def patch_paths(body: object) -> set[str]:
    operations = body["patch"] if isinstance(body, dict) else body
    assert isinstance(operations, list)
    return {op["path"] for op in operations}


def state_leaks(state_dir: Path) -> list[str]:
    leaks = []
    for path in sorted(p for p in state_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [f"{path.name}: {value}" for value in SECRETS if value.encode() in data]
    return leaks


def resources_in_state(state_file: Path) -> dict[str, dict[str, object]]:
    """URN name -> raw resource (secrets still encrypted)."""
    state = json.loads(state_file.read_text(encoding="utf-8"))
    return {r["urn"].rsplit("::", 1)[-1]: r for r in state["resources"]}


@dataclass(frozen=True)
class Program:
    """One two-account program: its resources' names and the EU one's integration."""

    program: Path
    project: str
    us_name: str
    eu_name: str
    eu_kind: str


def run_lifecycle(case: Program, engine: LocalEngine, accounts: Accounts) -> None:
    """preview, up, up, a tag change, refresh, destroy: each account's requests at its own host."""
    preview = ok(engine.preview())
    assert f"    + {PROVIDER} eu" in preview.stdout
    assert f"    + {RESOURCE} {case.us_name}" in preview.stdout
    assert f"    + {RESOURCE} {case.eu_name}" in preview.stdout
    assert "default" not in preview.stdout  # default providers are not shown, as in the CLI
    assert accounts.requests() == ([], []), "a preview sends nothing"

    up = ok(engine.up())
    assert "    + 3 created" in up.stdout
    assert accounts.requests() == (
        [("POST", "/api/v2/integrations/datadog")],
        [("POST", f"/api/v2/integrations/{case.eu_kind}")],
    )
    [us_sub] = accounts.us.subscriptions("datadog")
    [eu_sub] = accounts.eu.subscriptions(case.eu_kind)
    assert accounts.us.subscriptions(case.eu_kind) == [] and accounts.eu.subscriptions("datadog") == []
    assert accounts.us.secret("datadog", us_sub["_id"], "apiKey") == DATADOG_KEY
    assert accounts.eu.secret(case.eu_kind, eu_sub["_id"], "url") == WEBHOOK
    assert f'"{accounts.us.url}"' in up.stdout and f'"{accounts.eu.url}"' in up.stdout
    assert f'"datadog/{us_sub["_id"]}"' in up.stdout and f'"{case.eu_kind}/{eu_sub["_id"]}"' in up.stdout

    # the state: both providers with their inputs (the token encrypted), each resource pointing at its own
    assert state_leaks(engine.state_dir) == []
    resources = resources_in_state(engine.state_file)
    default, eu = resources["default"], resources["eu"]
    assert default["type"] == eu["type"] == PROVIDER
    assert set(default["inputs"]["accessToken"]) == {"secure"} and set(eu["inputs"]["accessToken"]) == {
        "secure"
    }
    assert default["inputs"]["apiHost"] == accounts.us.url and eu["inputs"]["apiHost"] == accounts.eu.url
    assert resources[case.us_name]["provider"] == f"{default['urn']}::{default['id']}"
    assert resources[case.eu_name]["provider"] == f"{eu['urn']}::{eu['id']}"
    assert resources[case.us_name]["id"] == f"datadog/{us_sub['_id']}"
    assert set(resources[case.eu_name]["outputs"]["config"]) == {"secure"}  # marked by the plugin itself

    accounts.clear()
    ok(engine.up(expect_no_changes=True))
    assert accounts.requests() == ([], []), "an unchanged up sends nothing"

    retagged = ok(engine.up(config={"tags": '["managed-by-pulumi", "retagged"]'}))
    assert "    ~ 2 updated" in retagged.stdout
    us_requests, eu_requests = accounts.requests()
    assert us_requests == [("PATCH", f"/api/v2/integrations/datadog/{us_sub['_id']}")]
    assert eu_requests == [("PATCH", f"/api/v2/integrations/{case.eu_kind}/{eu_sub['_id']}")]
    assert patch_paths(accounts.us.requests[0].body) == {"/tags"}
    assert patch_paths(accounts.eu.requests[0].body) == {"/tags"}
    assert accounts.eu.subscriptions(case.eu_kind)[0]["tags"] == ["managed-by-pulumi", "retagged"]
    engine.config["tags"] = '["managed-by-pulumi", "retagged"]'

    # refresh does not run the program: each provider is loaded from the state, at its own host
    accounts.clear()
    ok(engine.refresh(expect_no_changes=True))
    assert accounts.requests() == (
        [("GET", f"/api/v2/integrations/datadog/{us_sub['_id']}")],
        [("GET", f"/api/v2/integrations/{case.eu_kind}/{eu_sub['_id']}")],
    )

    accounts.clear()
    destroyed = ok(engine.destroy())
    lines = [  # the end lines: `- <type> <name> deleted (0.1s)`
        line.strip().split(" deleted (")[0]
        for line in destroyed.stdout.splitlines()
        if line.startswith(("    - pulumi", "    - ld")) and " deleted (" in line
    ]
    provider_at = lines.index(f"- {PROVIDER} eu")
    assert provider_at > lines.index(f"- {RESOURCE} {case.eu_name}"), (
        f"deleted before its resource:\n{destroyed.stdout}"
    )
    assert "    - 3 deleted" in destroyed.stdout
    assert accounts.us.subscriptions() == [] and accounts.eu.subscriptions() == []
    assert state_leaks(engine.state_dir) == []


def create_by_hand(emulator: Emulator, token: str, kind: str, body: dict[str, object]) -> str:
    """A subscription made outside Pulumi (a plain POST); returns its ``_id``; the log is cleared."""
    request = urllib.request.Request(
        f"{emulator.url}/api/v2/integrations/{kind}",
        data=json.dumps({"statements": [], "on": True, **body}).encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        created: dict[str, object] = json.loads(response.read())
    emulator.clear_requests()
    return str(created["_id"])


def lookups_engine(program: Path, state_dir: Path, accounts: Accounts, eu_subscription: str) -> LocalEngine:
    return LocalEngine(
        program,
        "dev",
        state_dir=state_dir,
        config={
            "ld-auditsubs:apiHost": accounts.us.url,
            "euApiHost": accounts.eu.url,
            "euSubscriptionId": eu_subscription,
        },
        secrets={"ld-auditsubs:accessToken": US_TOKEN, f"{program.name}:euAccessToken": EU_TOKEN},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )


def run_lookups(program: Path, state_dir: Path, accounts: Accounts) -> None:
    """Each function at its provider's host; secret results stay secret."""
    create_by_hand(accounts.us, US_TOKEN, "datadog", {"name": "us one", "config": {"apiKey": DATADOG_KEY}})
    eu_id = create_by_hand(accounts.eu, EU_TOKEN, "slack", {"name": "eu one", "config": {"url": WEBHOOK}})
    keys = ["ld-auditsubs:accessToken", f"{program.name}:euAccessToken"]
    stack = {"config": {key: {"secure": "v1:cli-ciphertext-the-local-engine-does-not-read"} for key in keys}}
    (program / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    up = ok(lookups_engine(program, state_dir, accounts, eu_id).up())
    assert 'usNames: ["us one"]' in up.stdout
    assert 'euName: "eu one"' in up.stdout
    assert f'euId: "slack/{eu_id}"' in up.stdout
    assert "euConfig: [secret]" in up.stdout
    assert accounts.requests() == (
        [("GET", "/api/v2/integrations/datadog")],
        [("GET", f"/api/v2/integrations/slack/{eu_id}")],
    )
    assert state_leaks(state_dir) == []

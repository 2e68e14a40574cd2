"""Every example stack through the local engine against the emulator: the lifecycle a user runs.

For each stack: preview (no API request), up (exactly what the stack declares, secrets stored
verbatim, never in state), a no-change preview, a config change (one PATCH with only that field),
a rename made outside Pulumi (refresh shows it, the next up puts the declared name back), destroy
(the emulator is empty). Each engine run is a subprocess, so assertions are grouped per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine, LocalResult

from .stacks import (
    CASES,
    HAND_MADE_NAME,
    PASSPHRASE,
    SECRET_VALUES,
    TOKEN,
    TYPE,
    StackCase,
    assert_declared,
    create_by_hand,
    files_leaking,
    rename_out_of_band,
)

MISSING_ID = "0123456789abcdef01234567"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


def engine_for(case: StackCase, emulator: Emulator, state_dir: Path, **config: str) -> LocalEngine:
    """The stack with the emulator's host and the throwaway secrets as ``--config`` values."""
    return LocalEngine(
        case.program_dir,
        case.stack,
        state_dir=state_dir,
        config={
            "launchdarkly:apiHost": emulator.url,
            "launchdarkly:accessToken": TOKEN,
            **case.secrets,
            **config,
        },
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )


def ok(result: LocalResult) -> LocalResult:
    assert result.returncode == 0, result.output
    for value in SECRET_VALUES:
        assert value not in result.output, f"{result.operation} printed a secret"
    return result


def line(op: str, name: str) -> str:
    return f"    {op} {TYPE} {name}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_stack_lifecycle(case: StackCase, emulator: Emulator, tmp_path: Path) -> None:
    extra = {}
    adopted = ""
    if case.adopt:
        adopted = create_by_hand(emulator.url)
        extra["existingSubscriptionId"] = adopted
    engine = engine_for(case, emulator, tmp_path / "state", **extra)
    local_state = case.program_dir / ".pulumi-local"
    had_local_state = local_state.exists()
    emulator.clear_requests()

    # preview: check and diff only, so not a single API request; nothing is written
    preview = ok(engine.preview())
    assert emulator.requests == []
    for name in case.resources:
        assert line("+", name) in preview.stdout
    assert f"    + {len(case.resources)} to create" in preview.stdout
    assert not engine.state_file.exists()

    # up: exactly what the stack declares (adoption: one GET and one PATCH, no second subscription)
    up = ok(engine.up())
    assert f"    + {len(case.resources)} created" in up.stdout
    requests = emulator.requests
    if case.adopt:
        assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in requests] == [
            ("GET", adopted),
            ("PATCH", adopted),
        ]
        assert [s["_id"] for s in emulator.subscriptions()] == [adopted]
        assert {op["path"] for op in requests[1].body["patch"]} == {
            "/name",
            "/on",
            "/tags",
            "/statements",
            "/config/url",
        }
        assert emulator.subscriptions()[0]["name"] != HAND_MADE_NAME
        assert f'    subscriptionId: "{adopted}"' in up.stdout
    else:
        assert sorted(r.path for r in requests) == sorted(
            f"/api/v2/integrations/{kind}" for kind in case.resources.values()
        )
        assert {r.method for r in requests} == {"POST"}
    subscriptions = assert_declared(case, emulator.subscriptions())
    for name, config_field, config_key in case.stored_secrets:
        sub = subscriptions[name]
        assert emulator.secret(sub["kind"], sub["_id"], config_field) == case.secrets[config_key]
    assert files_leaking(engine.state_dir) == []

    # nothing to do right after up
    emulator.clear_requests()
    ok(engine.preview(expect_no_changes=True))
    assert emulator.requests == []

    # a config change is an update: one PATCH holding only that field
    change = case.change
    engine.config[change.key] = change.value
    emulator.clear_requests()
    changed = ok(engine.up())
    assert line("~", change.resource) in changed.stdout
    assert "    ~ 1 updated" in changed.stdout
    target = subscriptions[change.resource]
    [patch] = emulator.requests
    assert (patch.method, patch.path) == ("PATCH", f"/api/v2/integrations/{target['kind']}/{target['_id']}")
    assert patch.body["patch"] == [{"op": "replace", "path": change.path, "value": change.patch_value}]
    assert files_leaking(engine.state_dir) == []

    # a rename made outside Pulumi: refresh reads it back (one GET each), the next up undoes it
    victim = next(iter(case.resources))
    sub = subscriptions[victim]
    rename_out_of_band(emulator.url, sub["kind"], sub["_id"], "renamed in the UI")
    emulator.clear_requests()
    refresh = ok(engine.refresh())
    assert re.search(
        rf"^{re.escape(line('~', victim))} updated \(\d+\.\d+s\) \[diff: ~name\]$", refresh.stdout, re.M
    )
    assert sorted(r.method for r in emulator.requests) == ["GET"] * len(case.resources)
    emulator.clear_requests()
    fixed = ok(engine.up())
    assert line("~", victim) in fixed.stdout
    [patch] = emulator.requests
    assert patch.method == "PATCH"
    assert patch.body["patch"] == [{"op": "replace", "path": "/name", "value": sub["name"]}]
    assert emulator.subscriptions(sub["kind"])[0]["name"] == sub["name"]
    emulator.clear_requests()
    ok(engine.preview(expect_no_changes=True))
    assert emulator.requests == []

    # destroy: one DELETE each, nothing left behind
    emulator.clear_requests()
    destroyed = ok(engine.destroy())
    assert f"    - {len(case.resources)} deleted" in destroyed.stdout
    assert sorted(r.method for r in emulator.requests) == ["DELETE"] * len(case.resources)
    assert emulator.subscriptions() == []
    assert engine.state()["resources"] == []
    assert local_state.exists() == had_local_state  # the state went to tmp_path, not the example


def test_adopting_a_missing_subscription_fails_clearly(emulator: Emulator, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.adopt)
    engine = engine_for(case, emulator, tmp_path / "state", existingSubscriptionId=MISSING_ID)
    result = engine.up()
    assert result.returncode == 1
    assert "ops-channel: Create failed" in result.stderr
    assert (
        f"adoptId '{MISSING_ID}': no 'msteams' audit log subscription with id '{MISSING_ID}' exists in "
        "LaunchDarkly; remove adoptId to create a new one"
    ) in result.stderr
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("GET", f"/api/v2/integrations/msteams/{MISSING_ID}")
    ]
    assert emulator.subscriptions() == []
    assert engine.state().get("resources", []) == []


def test_a_stack_value_datadog_does_not_have_fails_preview_with_the_check_message(
    emulator: Emulator, tmp_path: Path
) -> None:
    """multi-environment passes its stack's ``datadogSite`` through ``DatadogHostURLValue(...)``, which
    mypy accepts for any string: the provider process still refuses a value outside the allowed ones
    at preview, with the same Check message a literal gets, before any request."""
    case = next(c for c in CASES if c.example == "multi-environment" and c.stack == "prod")
    engine = engine_for(case, emulator, tmp_path / "state", datadogSite="https://api.datadoghq.org")

    preview = engine.preview()

    assert preview.returncode == 1, preview.output
    assert "datadog **checking failed**" in preview.stdout
    assert (
        "config.hostURL: 'https://api.datadoghq.org' is not allowed; must be one of: "
        "https://api.datadoghq.com, https://api.datadoghq.eu, https://us3.datadoghq.com, "
        "https://us5.datadoghq.com, https://app.ddog-gov.com"
    ) in preview.stderr
    assert "Traceback" not in preview.output
    assert emulator.requests == []
    assert not engine.state_file.exists()

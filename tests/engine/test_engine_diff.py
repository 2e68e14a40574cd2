"""``--diff`` on preview and up: changed property paths with old and new values, secrets never shown;
and the summary of a failed run, which names what failed instead of saying ``0 unchanged``.

The rendering is tested directly (pure, many cases); one emulator-backed scenario runs the real
provider through the engine three times (up, preview, a failing up) to check the whole path.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine
from pulumi_ld_auditsubs.testing.engine.display import Display
from pulumi_ld_auditsubs.testing.engine.errors import CheckFailedError, ProtectedError, ProviderError
from pulumi_ld_auditsubs.testing.engine.property_diff import (
    NO_INPUT_CHANGE,
    Change,
    diff_lines,
    property_changes,
)
from pulumi_ld_auditsubs.testing.engine.steps import Op, StepEvent, protected_delete_message
from pulumi_ld_auditsubs.testing.engine.values import PROVIDER_KEY, UNKNOWN, key_diff, wrap_secret

S = wrap_secret
LD_TYPE = "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"


def rendered(
    olds: dict[str, Any] | None, news: dict[str, Any] | None, replaces: tuple[str, ...] = ()
) -> list[str]:
    return [c.render() for c in property_changes(olds, news, replaces)]


# --- the rendering, directly ---------------------------------------------------------------------


def test_nested_paths_show_old_and_new_values() -> None:
    olds = {
        "config": {"hostURL": "https://api.datadoghq.com", "hideMemberDetails": False},
        "statements": [
            {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/a:flag/*", "proj/*:env/b:flag/*"]}
        ],
        "tags": ["a", "b"],
        "on": True,
        "name": "n",
    }
    news = {
        "config": {"hostURL": "https://us5.datadoghq.com", "hideMemberDetails": False, "extra": 1},
        "statements": [
            {
                "effect": "allow",
                "actions": ["*"],
                "resources": ["proj/*:env/a:flag/*", "proj/*:env/c:flag/*"],
            },
            {"effect": "deny", "actions": ["deleteFlag"], "resources": ["proj/*"]},
        ],
        "tags": ["a", "x", "c"],
        "on": 1,  # a number is not a bool, even if Python says 1 == True
    }
    assert rendered(olds, news) == [
        "+ config.extra: 1",
        '~ config.hostURL: "https://api.datadoghq.com" => "https://us5.datadoghq.com"',
        '- name: "n"',
        "~ on: true => 1",
        '~ statements[0].resources[1]: "proj/*:env/b:flag/*" => "proj/*:env/c:flag/*"',
        '+ statements[1].actions[0]: "deleteFlag"',
        '+ statements[1].effect: "deny"',
        '+ statements[1].resources[0]: "proj/*"',
        '~ tags[1]: "b" => "x"',
        '+ tags[2]: "c"',
    ]
    assert rendered({"tags": ["a", "b"]}, {"tags": ["a"]}) == ['- tags[1]: "b"']
    assert rendered(olds, olds) == []


def test_a_secret_on_either_side_is_never_printed_nor_looked_into() -> None:
    olds = {
        "config": {"apiKey": S("old-key-1111"), "hostURL": "h"},
        "whole": S({"inner": "old-inner-2222"}),
        "plainThenSecret": "was-plain-3333",
        "listed": [S("old-item-4444"), "visible"],
        "gone": S("gone-5555"),
        "same": S("same-6666"),
    }
    news = {
        "config": {"apiKey": S("new-key-7777"), "hostURL": "h"},
        "whole": S({"inner": "new-inner-8888", "more": "more-9999"}),
        "plainThenSecret": S("now-secret-0000"),
        "listed": ["new-item-aaaa", "visible"],
        "added": S({"x": "added-bbbb"}),
        "same": S("same-6666"),
    }
    lines = rendered(olds, news)
    assert lines == [
        "+ added: [secret]",
        "~ config.apiKey: [secret] => [secret]",
        "- gone: [secret]",
        "~ listed[0]: [secret] => [secret]",
        "~ plainThenSecret: [secret] => [secret]",
        "~ whole: [secret] => [secret]",
    ]
    update = "\n".join(lines)
    secret_on_a_side = ("1111", "2222", "3333", "4444", "5555", "6666", "7777", "8888", "9999", "0000")
    for value in (*secret_on_a_side, "aaaa", "bbbb"):
        assert value not in update
    created_then_deleted = "\n".join(rendered(None, news) + rendered(olds, None))
    for value in (*secret_on_a_side, "bbbb"):
        if value != "3333":  # plain in the old inputs, so a delete lists it
            assert value not in created_then_deleted
    # a secret whose value did not change is not a change, whatever its wrapping
    assert rendered({"c": S({"k": "v"})}, {"c": {"k": S("v")}}) == []


def test_creates_and_deletes_list_every_leaf_and_skip_the_provider() -> None:
    news = {
        PROVIDER_KEY: "pickled-provider",
        "config": {"apiKey": S("k"), "hostURL": "h"},
        "tags": [],
        "on": True,
        "note": "two\nlines",
        "id": UNKNOWN,
        "ratio": 2.0,
        "nothing": None,
    }
    assert rendered(None, news) == [
        "+ config.apiKey: [secret]",
        '+ config.hostURL: "h"',
        "+ id: [unknown]",
        '+ note: "two\\nlines"',  # one line per value: a newline cannot fake another line
        "+ nothing: null",
        "+ on: true",
        "+ ratio: 2",
        "+ tags: []",
    ]
    assert rendered({"tags": ["a"], PROVIDER_KEY: "p"}, None) == ['- tags[0]: "a"']


def test_a_changed_type_is_removed_then_added_and_unknowns_are_marked() -> None:
    assert rendered({"v": "text"}, {"v": ["a"]}) == ['- v: "text"', '+ v[0]: "a"']
    assert rendered({"v": []}, {"v": {}}) == ["- v: []", "+ v: {}"]
    assert rendered({"v": "x"}, {"v": UNKNOWN}) == ['~ v: "x" => [unknown]']
    assert rendered({"a": {"b.c": 1}}, {"a": {"b.c": 2}}) == ['~ a["b.c"]: 1 => 2']


def test_paths_that_force_the_replacement_are_marked() -> None:
    olds = {"integrationKey": "msteams", "config": {"url": S("u1")}, "statements": [{"effect": "allow"}]}
    news = {"integrationKey": "mattermost", "config": {"url": S("u2")}, "statements": [{"effect": "deny"}]}
    assert rendered(olds, news, ("integrationKey", "statements[*].effect")) == [
        "~ config.url: [secret] => [secret]",
        '~ integrationKey: "msteams" => "mattermost" [forces replacement]',
        '~ statements[0].effect: "allow" => "deny" [forces replacement]',
    ]
    assert Change("-", "p", old="1").render() == "- p: 1"


def test_an_update_with_no_input_change_says_where_the_difference_is() -> None:
    assert diff_lines({"a": 1}, {"a": 1}) == [f"        {NO_INPUT_CHANGE}"]
    assert diff_lines(None, {}) == []


def test_display_prints_details_only_with_diff() -> None:
    urn = f"urn:pulumi:dev::p::{LD_TYPE}::dd"
    olds = {"config": {"apiKey": S("k1"), "hostURL": "a"}, PROVIDER_KEY: "x"}
    news = {"config": {"apiKey": S("k2"), "hostURL": "b"}, PROVIDER_KEY: "x"}
    event = StepEvent(Op.UPDATE, urn, LD_TYPE, key_diff(olds, news), olds, news)
    plain, detailed = io.StringIO(), io.StringIO()
    Display("preview", "dev", plain).event(event)
    Display("preview", "dev", detailed, diff=True).event(event)
    header = f"    ~ {LD_TYPE} dd [diff: ~config]\n"
    assert plain.getvalue() == header
    assert detailed.getvalue() == (
        header + "      ~ config.apiKey: [secret] => [secret]\n" + '      ~ config.hostURL: "a" => "b"\n'
    )


def test_a_failed_run_names_what_failed_and_never_says_zero_unchanged() -> None:
    def urn(name: str) -> str:
        return f"urn:pulumi:dev::p::{LD_TYPE}::{name}"

    errors: list[Exception] = [
        ProviderError(method="Update", urn=urn("dd"), message="HTTP 400"),
        ProviderError(method="Update", urn=urn("dd"), message="counted once"),
        CheckFailedError(urn=urn("bad"), failures=[("config.url", "not a URL")]),
        ProtectedError(protected_delete_message(urn("kept"))),
        RuntimeError("no resource named"),
    ]
    out = io.StringIO()
    display = Display("up", "dev", out)
    events = [StepEvent(Op.CREATE, urn("new"), LD_TYPE), StepEvent(Op.CREATE, urn("new2"), LD_TYPE)]
    display.failures(errors)
    display.summary(events, errors)
    assert out.getvalue() == (
        f"    ~ {LD_TYPE} dd **updating failed**\n"
        f"      {LD_TYPE} bad **checking failed**\n"
        f"    - {LD_TYPE} kept **deleting failed**\n"
        "\nResources:\n    + 2 created\n    4 errored\n"
    )

    out = io.StringIO()  # one resource, and it failed: the case that used to say "0 unchanged"
    Display("up", "dev", out).summary([], errors[:1])
    assert out.getvalue() == "\nResources:\n    1 errored\n"
    out = io.StringIO()  # the program failed before any step: nothing changed, and it says so
    Display("preview", "dev", out).summary([], [], failed=True)
    assert out.getvalue() == "\nResources:\n    nothing changed: the run failed before any resource step\n"
    out = io.StringIO()  # a successful empty run keeps its "0 unchanged"
    Display("up", "dev", out).summary([])
    assert out.getvalue().endswith("Resources:\n    0 unchanged\n")


# --- through the engine, the real provider and the emulator ---------------------------------------

TOKEN = "api-engine-diff-5d2c81"
DD_KEY_OLD = "dd-old-key-3f9a7c51e2"
DD_KEY_NEW = "dd-new-key-8b04d6a1c9"
TEAMS_URL = "https://example.webhook.office.com/webhookb2/teamsCredentialPart41"
MATTERMOST_URL = "https://mattermost.example.com/hooks/mattermostCredentialPart97"
SLACK_URL = "https://hooks.slack.com/services/T0A1/B0B2/slackCredentialPart23"
SECRETS = (
    TOKEN,
    DD_KEY_OLD,
    DD_KEY_NEW,
    "teamsCredentialPart41",
    "mattermostCredentialPart97",
    "slackCredentialPart23",
)
PROGRAM = """
import json

import pulumi
from pulumi_ld_auditsubs import AuditLogSubscription

for spec in json.loads(pulumi.Config().require("subs")):
    AuditLogSubscription(
        spec["name"],
        integration_key=spec["kind"],
        name=spec["title"],
        config=spec["config"],
        statements=spec["statements"],
        tags=spec["tags"],
    )
"""
PRODUCTION = "proj/*:env/production:flag/*"


def _subs(*, site: str, key: str, second: str, tags: list[str], teams: tuple[str, str], slack: bool) -> str:
    """The program's subscriptions; the secrets are plain strings, made secret by the library."""
    allow_all = [{"effect": "allow", "actions": ["*"], "resources": [PRODUCTION]}]
    subs: list[dict[str, Any]] = [
        {
            "name": "dd-all",
            "kind": "datadog",
            "title": "Everything to Datadog",
            "config": {"apiKey": key, "hostURL": site},
            "statements": [{"effect": "allow", "actions": ["*"], "resources": [PRODUCTION, second]}],
            "tags": tags,
        },
        {"name": "teams", "kind": teams[0], "title": "Teams", "config": {"url": teams[1]}},
    ]
    subs[1].update(statements=allow_all, tags=["chat"])
    if slack:
        subs.append(
            {"name": "old", "kind": "slack", "title": "Old", "config": {"url": SLACK_URL}, "tags": []}
        )
        subs[2]["statements"] = allow_all
    return json.dumps(subs)


BEFORE = _subs(
    site="https://api.datadoghq.com",
    key=DD_KEY_OLD,
    second="proj/*:env/staging:flag/*",
    tags=["a", "b"],
    teams=("msteams", TEAMS_URL),
    slack=True,
)
AFTER = _subs(
    site="https://us5.datadoghq.com",
    key=DD_KEY_NEW,
    second="proj/*:env/test:flag/*",
    tags=["a", "b", "c"],
    teams=("mattermost", MATTERMOST_URL),
    slack=False,
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


def _assert_no_secret(output: str) -> None:
    leaked = [value for value in SECRETS if value in output]
    assert not leaked, f"secret values in the output: {leaked}\n{output}"


def test_diff_through_the_engine_and_a_failed_up(emulator: Emulator, tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: engine-diff\nruntime: python\n")
    (program / "__main__.py").write_text(PROGRAM)
    engine = LocalEngine(
        program,
        "dev",
        state_dir=tmp_path / "state",
        config={"launchdarkly:apiHost": emulator.url, "launchdarkly:accessToken": TOKEN},
    )

    # a create lists its properties, secrets as [secret]
    up = engine.run("up", config={"subs": BEFORE}, extra_args=["--diff"])
    assert up.ok, up.output
    _assert_no_secret(up.output)
    assert "      + config.apiKey: [secret]\n" in up.stdout
    assert '      + config.hostURL: "https://api.datadoghq.com"\n' in up.stdout
    assert f'      + statements[0].resources[0]: "{PRODUCTION}"\n' in up.stdout
    assert "      + config.url: [secret]\n" in up.stdout

    # a non-secret field with old and new values, a secret one as [secret], nested statement and
    # tag changes, a replacement marked, a delete listing what it removes
    preview = engine.run("preview", config={"subs": AFTER}, extra_args=["--diff"])
    assert preview.ok, preview.output
    _assert_no_secret(preview.output)
    dd = preview.stdout.split(f"    ~ {LD_TYPE} dd-all [diff: ~config,statements,tags]\n", 1)[1]
    assert dd.startswith(
        "      ~ config.apiKey: [secret] => [secret]\n"
        '      ~ config.hostURL: "https://api.datadoghq.com" => "https://us5.datadoghq.com"\n'
        '      ~ statements[0].resources[1]: "proj/*:env/staging:flag/*" => "proj/*:env/test:flag/*"\n'
        '      + tags[2]: "c"\n'
    )
    teams = preview.stdout.split(f"    +- {LD_TYPE} teams [diff: ~config,integrationKey]\n", 1)[1]
    assert teams.startswith(
        "      ~ config.url: [secret] => [secret]\n"
        '      ~ integrationKey: "msteams" => "mattermost" [forces replacement]\n'
    )
    old = preview.stdout.split(f"    - {LD_TYPE} old\n", 1)[1]
    assert old.startswith('      - changeComment: "') and "      - config.url: [secret]\n" in old
    assert "    ~ 1 to update\n    +-1 to replace\n    - 1 to delete\n" in preview.stdout

    # LaunchDarkly refuses the update: the summary says what failed, never "0 unchanged"
    emulator.inject_fault("PATCH", "/api/v2/integrations/datadog/*", status=400)
    only_site = BEFORE.replace("https://api.datadoghq.com", "https://us5.datadoghq.com")
    failed = engine.run("up", config={"subs": only_site}, extra_args=["--diff"])
    assert failed.returncode == 1, failed.output
    _assert_no_secret(failed.output)
    assert f"    ~ {LD_TYPE} dd-all **updating failed**\n" in failed.stdout
    summary = failed.stdout.split("\nResources:\n", 1)[1]
    assert summary.endswith("    1 errored\n") and "0 unchanged" not in summary
    assert f"error: {LD_TYPE} dd-all: Update failed:" in failed.stderr

"""In-process unit tests of the engine's pure parts: values, project config, state, display."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing.engine.display import Display, render_value
from pulumi_ld_auditsubs.testing.engine.errors import ConfigError, StateError
from pulumi_ld_auditsubs.testing.engine.project import (
    config_text,
    env_var_for,
    load_project,
    load_stack_config,
)
from pulumi_ld_auditsubs.testing.engine.state import ResourceState, StackState, StateStore
from pulumi_ld_auditsubs.testing.engine.steps import Op, StepEvent
from pulumi_ld_auditsubs.testing.engine.values import (
    UNKNOWN,
    annotate_secrets,
    apply_ignore_changes,
    changed_paths,
    key_diff,
    mark_secret_keys,
    parse_path,
    paths_overlap,
    reveal,
    wrap_secret,
)

S = wrap_secret


# --- values --------------------------------------------------------------------------------------


def test_annotate_secrets_follows_input_paths() -> None:
    ins = {"config": {"apiKey": S("k"), "host": "h"}, "tags": S(["a"]), "name": "n", "whole": S({"x": 1})}
    outs = {"config": {"apiKey": "k", "host": "h"}, "tags": ["a"], "name": "n", "whole": {"x": 1}, "id": "i"}
    assert annotate_secrets(outs, ins) == {
        "config": {"apiKey": S("k"), "host": "h"},
        "tags": S(["a"]),
        "name": "n",
        "whole": S({"x": 1}),
        "id": "i",
    }
    assert mark_secret_keys({"id": "i", "n": 1}, ["id", "missing"]) == {"id": S("i"), "n": 1}
    assert reveal({"a": S({"b": S(1)}), "c": [S(2)]}) == {"a": {"b": 1}, "c": [2]}


def test_ignore_changes_restores_old_values_at_paths() -> None:
    olds = {"value": 1, "config": S({"apiKey": "old", "host": "h"}), "tags": ["x", "y"]}
    news = {"value": 2, "config": S({"apiKey": "new", "host": "h2"}), "tags": ["x", "z"], "extra": 1}
    restored = apply_ignore_changes(news, olds, ["value", "config.apiKey", "tags[1]", "extra"])
    assert restored == {"value": 1, "config": S({"apiKey": "old", "host": "h2"}), "tags": ["x", "y"]}
    assert apply_ignore_changes({"a": {"b": 1}}, {"a": {"b": 0}}, ['a["b"]']) == {"a": {"b": 0}}


def test_paths_and_diffs() -> None:
    assert parse_path("config.apiKey") == ("config", "apiKey")
    assert parse_path("statements[0].actions[*]") == ("statements", 0, "actions", "*")
    assert parse_path('a["b.c"]') == ("a", "b.c")
    assert paths_overlap(("tags",), ("tags", 1)) and paths_overlap(("*",), ("x",))
    assert not paths_overlap(("tags",), ("name",))
    olds = {"a": 1, "b": {"c": [1, 2]}, "gone": True, "s": S("x")}
    news = {"a": 1, "b": {"c": [1, 3, 4]}, "new": 0, "s": "x"}
    assert changed_paths(olds, news) == [("b", "c", 1), ("b", "c", 2), ("gone",), ("new",)]
    diff = key_diff(olds, news)
    assert diff.render() == "+new-gone~b"
    assert key_diff({"on": True}, {"on": UNKNOWN}).render() == "~on"


# --- project and config --------------------------------------------------------------------------


def _project(tmp_path: Path, stack_yaml: str) -> Path:
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.yaml").write_text(
        "name: proj\nruntime: {name: python, options: {virtualenv: venv}}\n"
        "config:\n  plain: 1\n  withDefault: {type: string, default: dflt}\n"
        "  aws:region: {value: eu-west-1}\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    return tmp_path


def test_stack_config_resolution(tmp_path: Path) -> None:
    directory = _project(
        tmp_path,
        "config:\n  proj:flag: true\n  num: 2.5\n  obj: {a: [1, 2]}\n  plain: override\n"
        "  launchdarkly:accessToken: {secure: AAAbbb}\n",
    )
    project = load_project(directory)
    assert project.runtime_options == {"virtualenv": "venv"}
    env = {"PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN": "api-123"}
    config = load_stack_config(project, "dev", {"withDefault": "cli"}, environ=env)
    assert config.values == {
        "proj:plain": "override",
        "proj:withDefault": "cli",
        "aws:region": "eu-west-1",
        "proj:flag": "true",
        "proj:num": "2.5",
        "proj:obj": '{"a":[1,2]}',
        "launchdarkly:accessToken": "api-123",
    }
    assert config.secret_keys == {"launchdarkly:accessToken"}
    assert config.with_secrets_wrapped()["launchdarkly:accessToken"] == S("api-123")
    overridden = load_stack_config(project, "dev", {"launchdarkly:accessToken": "cli"}, environ={})
    assert overridden.values["launchdarkly:accessToken"] == "cli"
    assert "launchdarkly:accessToken" in overridden.secret_keys
    with pytest.raises(ConfigError) as missing:
        load_stack_config(project, "dev", environ={})
    assert "--config launchdarkly:accessToken=VALUE" in str(missing.value)
    assert "PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN" in str(missing.value)
    assert load_stack_config(project, "other", environ={}).values["proj:plain"] == "1"


def test_config_naming_and_errors(tmp_path: Path) -> None:
    assert env_var_for("launchdarkly:accessToken") == "PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN"
    assert env_var_for("my-proj:api.key_2") == "PULUMI_LOCAL_CONFIG_MY_PROJ_API_KEY_2"
    assert [config_text(v) for v in (False, 3, "s", None)] == ["false", "3", "s", ""]
    with pytest.raises(ConfigError, match=r"no Pulumi\.yaml"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: go\n")
    with pytest.raises(ConfigError, match="runtime 'go' is not supported \\(use 'python' or 'nodejs'\\)"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\nmain: missing.js\n")
    with pytest.raises(ConfigError, match="no program at"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\n")
    assert load_project(tmp_path).runtime == "nodejs"


# --- state ---------------------------------------------------------------------------------------


def _state() -> StackState:
    resource = ResourceState(
        urn="urn:pulumi:dev::p::t::r",
        type="t",
        custom=True,
        id="1",
        inputs={"token": S("tok-plain-123"), "n": 3.0, "lookalike": {"secure": "not a secret"}},
        outputs={"nested": {"plain": {"x": S([1, "tok-plain-123"])}}},
    )
    return StackState(project="p", stack="dev", resources=[resource], outputs={"o": S("tok-plain-123")})


def test_state_round_trip_keeps_secrets_encrypted(tmp_path: Path) -> None:
    store = StateStore(tmp_path, "dev")
    store.save(_state())
    raw = store.path.read_text()
    assert "tok-plain-123" not in raw
    doc = json.loads(raw)
    assert set(doc["resources"][0]["inputs"]["token"]) == {"secure"}
    assert doc["resources"][0]["inputs"]["n"] == 3
    assert stat.S_IMODE((tmp_path / "secrets.key").stat().st_mode) == 0o600
    loaded = StateStore(tmp_path, "dev").load("p")
    assert loaded.resources == _state().resources and loaded.outputs == _state().outputs

    (tmp_path / "secrets.key").write_text("someone else's key\n")
    with pytest.raises(StateError, match="is not the key it was written with"):
        StateStore(tmp_path, "dev").load("p")
    (tmp_path / "secrets.key").unlink()
    with pytest.raises(StateError, match="which is missing"):
        StateStore(tmp_path, "dev").load("p")
    assert not (tmp_path / "secrets.key").exists()


def test_state_with_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pw")
    StateStore(tmp_path, "dev").save(_state())
    assert not (tmp_path / "secrets.key").exists()
    assert StateStore(tmp_path, "dev").load("p").outputs == {"o": S("tok-plain-123")}
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "other")
    with pytest.raises(StateError, match="wrong PULUMI_CONFIG_PASSPHRASE"):
        StateStore(tmp_path, "dev").load("p")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    (tmp_path / "pw.txt").write_text("pw")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "pw.txt"))
    assert StateStore(tmp_path, "dev").load("p").outputs == {"o": S("tok-plain-123")}


# --- display -------------------------------------------------------------------------------------


def test_display_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        render_value({"b": S("x"), "a": [1.0, UNKNOWN, "s"]}) == '{"a": [1, [unknown], "s"], "b": [secret]}'
    )
    display = Display("preview", "dev")
    display.header()
    urn = "urn:pulumi:dev::p::pulumi-python:dynamic/launchdarkly:AuditLogSubscription::datadog"
    type_ = "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"
    events = [
        StepEvent(Op.UPDATE, urn, type_, key_diff({"config": 1, "on": True}, {"config": 2, "on": False})),
        StepEvent(Op.REPLACE, urn, type_),
        StepEvent(Op.SAME, urn, type_),
    ]
    for event in events:
        display.event(event)
    display.outputs({"token": S("t"), "url": "u"})
    display.summary(events)
    assert capsys.readouterr().out == (
        "Previewing update (dev):\n"
        f"    ~ {type_} datadog [diff: ~config,on]\n"
        f"    +- {type_} datadog\n"
        '\nOutputs:\n    token: [secret]\n    url: "u"\n'
        "\nResources:\n    ~ 1 to update\n    +-1 to replace\n    1 unchanged\n"
    )


def test_a_terminal_gets_a_transient_counter_and_a_pipe_does_not() -> None:
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    urn = "urn:pulumi:dev::p::t::r"
    for stream, counter in ((Terminal(), True), (io.StringIO(), False)):
        display = Display("up", "dev", stream)
        display.header()
        display.event(StepEvent(Op.SAME, urn, "t"))
        display.event(StepEvent(Op.CREATE, urn, "t"))
        display.summary([])
        text = stream.getvalue()
        assert ("(1 done)" in text and "(2 done)" in text) is counter
        assert "    + t r created\n" in text.replace("\r\x1b[K", "")
        assert text.endswith("Resources:\n    0 unchanged\n")


def test_journal_keeps_every_finished_step_and_replays_nothing_twice(tmp_path: Path) -> None:
    store = StateStore(tmp_path, "dev")
    state = _state()
    store.save(state)
    extra = ResourceState(
        urn="urn:pulumi:dev::p::t::two", type="t", custom=True, id="2", inputs={"k": S("v")}
    )
    store.append(state, [{"op": "put", "resource": store.encode_resource(extra)}])
    store.append(state, [{"op": "retire", "urn": extra.urn}])
    journal = tmp_path / "dev.journal"
    assert "tok-plain-123" not in journal.read_text() and '"v"' not in journal.read_text()
    with journal.open("a") as handle:
        handle.write('{"serial": 3, "ops": [{"op": "remove", "urn": "urn:pul')  # the run died mid-write

    # a killed run: the next load replays the journal onto the snapshot, the torn line is ignored
    loaded = StateStore(tmp_path, "dev").load("p")
    assert [r.urn for r in loaded.resources] == [state.resources[0].urn, extra.urn]
    assert loaded.resources[1].pending_delete and loaded.resources[1].inputs == {"k": S("v")}

    # the operation's end writes the snapshot and drops the journal; a journal that survived a
    # crash right after that snapshot is not applied again
    stale = journal.read_text()
    reloaded = StateStore(tmp_path, "dev")
    reloaded.save(reloaded.load("p"))
    assert not journal.exists()
    journal.write_text(stale)
    again = StateStore(tmp_path, "dev").load("p")
    assert [r.urn for r in again.resources] == [state.resources[0].urn, extra.urn]
    assert json.loads((tmp_path / "dev.json").read_text())["serial"] == 2

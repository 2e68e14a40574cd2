"""Where the local engine must do what Pulumi's engine does (issue 8, fidelity items 1-3)."""

from __future__ import annotations

from .support import TOKEN, Toy, has_done, line, token_hash

ROTATED = "tok-rotated-Xy7-do-not-leak"


def test_refresh_and_destroy_use_the_config_recorded_at_up(toy: Toy) -> None:
    # pulumi refresh/destroy rebuild the default provider from state (Registry.Same configures it
    # with the provider resource's stored inputs): a rotated token is not used until the next up
    assert toy.run("up", [{"name": "a", "value": 1}]).returncode == 0
    refresh = toy.run("refresh", [], token=ROTATED)
    assert refresh.returncode == 0, refresh.output
    assert {e["token"] for e in toy.entries() if e["method"] == "read"} == {token_hash(TOKEN)}

    refresh = toy.run("refresh", [], token=ROTATED, extra_args=["--run-program"])
    assert refresh.returncode == 0, refresh.output
    assert {e["token"] for e in toy.entries() if e["method"] == "read"} == {token_hash(ROTATED)}

    # an up records the new config (a credential in plain config is never readable in it)
    toy.engine.config["toy:apiKey"] = "plain-config-credential-42"
    assert toy.run("up", [{"name": "a", "value": 1}], token=ROTATED).returncode == 0
    assert "plain-config-credential-42" not in toy.engine.state_file.read_text()
    destroy = toy.run("destroy", [], token="tok-not-used")
    assert destroy.returncode == 0, destroy.output
    assert {e["token"] for e in toy.entries() if e["method"] == "delete"} == {token_hash(ROTATED)}
    assert ROTATED not in toy.engine.state_file.read_text() and TOKEN not in toy.engine.state_file.read_text()


def test_refresh_reports_drift_only_when_the_providers_diff_does(toy: Toy) -> None:
    records = [{"name": "a", "value": 1}, {"name": "b", "value": 2}]
    assert toy.run("up", records).returncode == 0
    ids = {name: r["id"] for name, r in toy.resources().items()}

    def drift(stored: dict[str, dict[str, object]]) -> None:
        stored[ids["a"]]["extra"] = "an output the provider's diff ignores"  # like LaunchDarkly's _status
        stored[ids["b"]]["value"] = 20  # an input: real drift

    toy.tamper(drift)
    refresh = toy.run("refresh", records)
    assert refresh.returncode == 0, refresh.output
    assert not has_done(refresh.stdout, "~", "a") and f"{line('~', 'a')} [" not in refresh.stdout
    assert has_done(refresh.stdout, "~", "b", "~value")
    assert "    ~ 1 updated\n    1 unchanged" in refresh.stdout
    # the diff ran with the refreshed outputs as olds and the old inputs as news
    diffs = {e["name"]: e["changed"] for e in toy.entries() if e["method"] == "diff"}
    assert diffs == {"a": [], "b": ["value"]}
    # the refreshed output is kept all the same
    assert toy.resources()["a"]["outputs"]["extra"] == "an output the provider's diff ignores"


def test_replacement_rechecks_the_programs_raw_inputs_without_olds(toy: Toy) -> None:
    ignored = {"name": "r", "kind": "x", "value": 1, "opts": {"ignore_changes": ["value"]}}
    assert toy.run("up", [ignored]).returncode == 0
    up = toy.run("up", [{**ignored, "kind": "y", "value": 2}])
    assert up.returncode == 0, up.output
    assert has_done(up.stdout, "+-", "r", "~kind")
    checks = [(e["olds"], e["value"]) for e in toy.entries() if e["method"] == "check"]
    # first the update check (olds given, value ignored), then the replacement's own check on the
    # program's inputs: no olds, ignore_changes not applied (step_generator.go)
    assert checks == [(True, 1), (False, 2)]
    assert toy.resources()["r"]["inputs"]["value"] == 2
    assert [r["value"] for r in toy.records().values()] == [2]


def test_pending_delete_resources_are_refreshed(toy: Toy) -> None:
    stuck = {"name": "s", "kind": "x", "value": 1, "failDelete": True}
    assert toy.run("up", [stuck]).returncode == 0
    old_id = toy.resources()["s"]["id"]
    up = toy.run("up", [{**stuck, "kind": "y"}])  # create-before-delete; the old one's delete fails
    assert up.returncode == 1
    assert "toy delete failed for s" in up.stderr
    pending = [r for r in toy.state()["resources"] if r["pending_delete"]]
    assert [r["id"] for r in pending] == [old_id]

    toy.tamper(lambda records: records.pop(old_id))  # someone deleted it by hand
    refresh = toy.run("refresh", [])
    assert refresh.returncode == 0, refresh.output
    assert sorted(e["id"] for e in toy.entries() if e["method"] == "read") == sorted(
        [old_id, toy.resources()["s"]["id"]]
    )
    assert not [r for r in toy.state()["resources"] if r["pending_delete"]]
    assert line("-", "s") not in refresh.stdout  # the live s is still there

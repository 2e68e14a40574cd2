"""preview -> up -> no-op up -> change -> refresh after drift -> destroy, on one stack."""

from __future__ import annotations

import stat

from .support import TOKEN, Toy, has_done, line, token_hash

RECORDS = [
    {"name": "a", "value": 1},
    {"name": "b", "valueFrom": "a", "withToken": True},
    {"name": "c", "dependsOn": ["b"], "value": 3},
    {"name": "d", "value": 4},
    {"name": "e", "value": 5, "opts": {"additional_secret_outputs": ["computed"]}},
]


def _secure(value: object) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def test_full_lifecycle(toy: Toy) -> None:
    # preview: only Check runs (nothing exists yet), unknowns flow to dependents, nothing is written
    preview = toy.run("preview", RECORDS)
    assert preview.returncode == 0, preview.output
    assert preview.stdout.startswith("Previewing update (dev):\n")
    for name in "abcde":
        assert line("+", name) in preview.stdout
    assert "    + 5 to create" in preview.stdout
    assert {method for method, _ in toy.calls()} == {"check"}
    unknowns = {e["name"]: e["unknowns"] for e in toy.entries()}
    assert unknowns == {"a": False, "b": True, "c": False, "d": False, "e": False}
    assert toy.records() == {}
    assert not toy.engine.state_file.exists()

    # up: creates in dependency order, Configure got the secret config value
    up = toy.run("up", RECORDS)
    assert up.returncode == 0, up.output
    assert up.stdout.startswith("Updating (dev):\n")
    assert "    + 5 created" in up.stdout
    creates = [name for method, name in toy.calls() if method == "create"]
    assert sorted(creates) == list("abcde")
    assert creates.index("a") < creates.index("b") < creates.index("c")
    assert {e["token"] for e in toy.entries() if e["method"] == "check"} == {token_hash()}
    assert len(toy.records()) == 5

    # stack outputs: config values typed as Pulumi would, secrets masked, never the plain token
    assert '    greeting: "hello"' in up.stdout
    assert "    answer: 42" in up.stdout
    assert "    level: 3" in up.stdout
    assert "    token: [secret]" in up.stdout
    ids = {name: r["id"] for name, r in toy.resources().items()}
    assert f'    computed_a: "a:{ids["a"]}"' in up.stdout
    assert "    computed_e: [secret]" in up.stdout  # additional_secret_outputs
    assert '    ids: {"a": "' + ids["a"] + '", "b": "' in up.stdout
    assert TOKEN not in up.output

    # state: secrets (and every __provider) encrypted, files private
    raw = toy.engine.state_file.read_text()
    assert TOKEN not in raw
    resources = toy.resources()
    for resource in resources.values():
        assert _secure(resource["inputs"]["__provider"])
        assert _secure(resource["outputs"]["__provider"])
    assert _secure(resources["b"]["inputs"]["secret"]) and _secure(resources["b"]["outputs"]["secret"])
    assert _secure(resources["e"]["outputs"]["computed"])
    assert resources["a"]["outputs"]["computed"] == f"a:{ids['a']}"
    assert _secure(toy.state()["outputs"]["token"])
    assert resources["c"]["dependencies"] == [resources["b"]["urn"]]
    for path in (toy.engine.state_file, toy.engine.state_dir / "secrets.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # a second up changes nothing: Check + Diff only
    again = toy.run("up", RECORDS, expect_no_changes=True)
    assert again.returncode == 0, again.output
    assert "    5 unchanged" in again.stdout
    assert {method for method, _ in toy.calls()} == {"check", "diff"}

    # an input change and a dropped resource: preview shows them (b's input is unknown until a
    # is updated, as in Pulumi) and --expect-no-changes fails
    changed = [{**RECORDS[0], "value": 2}, *RECORDS[1:4]]
    preview = toy.run("preview", changed, expect_no_changes=True)
    assert preview.returncode == 1
    assert line("~", "a", "~value") in preview.stdout
    assert line("~", "b", "~value") in preview.stdout
    assert line("-", "e") in preview.stdout
    assert "    ~ 2 to update" in preview.stdout and "    - 1 to delete" in preview.stdout
    assert "error: no changes were expected but changes proposed" in preview.stderr
    assert {method for method, _ in toy.calls()} == {"check", "diff"}

    up = toy.run("up", changed)
    assert up.returncode == 0, up.output
    assert has_done(up.stdout, "~", "a", "~value")
    assert has_done(up.stdout, "-", "e")
    assert "    ~ 1 updated\n    - 1 deleted\n    3 unchanged" in up.stdout
    assert [c for c in toy.calls() if c[0] in ("update", "delete", "create")] == [
        ("update", "a"),
        ("delete", "e"),
    ]
    assert "e" not in toy.resources() and len(toy.records()) == 4

    # refresh: drift on a (shown, inputs taken over), d deleted out of band (dropped from state)
    def drift(records: dict[str, dict[str, object]]) -> None:
        records[ids["a"]]["value"] = 99
        del records[ids["d"]]

    toy.tamper(drift)
    refresh = toy.run("refresh", changed)
    assert refresh.returncode == 0, refresh.output
    assert refresh.stdout.startswith("Refreshing (dev):\n")
    assert has_done(refresh.stdout, "~", "a", "~value")
    assert has_done(refresh.stdout, "-", "d")
    assert "    ~ 1 updated\n    - 1 deleted\n    2 unchanged" in refresh.stdout
    # every resource found is judged by the provider's Diff (RefreshStep.Apply), d is not
    assert sorted(c for c in toy.calls() if c[0] == "diff") == [("diff", n) for n in "abc"]
    assert sorted(c for c in toy.calls() if c[0] == "read") == [("read", n) for n in "abcd"]
    resources = toy.resources()
    assert "d" not in resources
    assert resources["a"]["inputs"]["value"] == 99 and resources["a"]["outputs"]["value"] == 99

    # destroy: dependents first
    destroy = toy.run("destroy", changed)
    assert destroy.returncode == 0, destroy.output
    assert destroy.stdout.startswith("Destroying (dev):\n")
    assert "    - 3 deleted" in destroy.stdout
    assert [name for method, name in toy.calls() if method == "delete"] == ["c", "b", "a"]
    assert toy.records() == {}
    assert toy.state()["resources"] == [] and toy.state()["outputs"] == {}

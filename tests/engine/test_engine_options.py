"""Resource options: protect, retain_on_delete, ignore_changes, replace_on_changes."""

from __future__ import annotations

from .support import Toy, has_done, line

PROTECTED = {"name": "p", "value": 1, "opts": {"protect": True}}
RETAINED = {"name": "r", "value": 1, "opts": {"retain_on_delete": True}}
IGNORED = {"name": "i", "value": 1, "opts": {"ignore_changes": ["value"]}}
# replace_on_changes only sees changes when the provider's diff is DIFF_UNKNOWN, as in Pulumi
ROC = {"name": "o", "tags": ["t1"], "engineDiff": True, "opts": {"replace_on_changes": ["tags"]}}
PLAIN = {"name": "n", "tags": ["t1"], "engineDiff": True}


def _refusal(verb: str, name: str) -> str:
    return f'unable to {verb} resource "urn:pulumi:dev::toyprog::pulumi-python:dynamic/toy:Record::{name}"'


def test_resource_options(toy: Toy) -> None:
    up = toy.run("up", [PROTECTED, RETAINED, IGNORED, ROC, PLAIN])
    assert up.returncode == 0, up.output
    ids = {name: r["id"] for name, r in toy.resources().items()}
    assert toy.resources()["p"]["protect"] is True

    # p and r dropped: p's delete is refused, as in Pulumi every other step still runs (the engine
    # continues past deleteProtectedError), so r is forgotten without a Delete call
    changed = [{**IGNORED, "value": 2}, {**ROC, "tags": ["t2"]}, {**PLAIN, "tags": ["t2"]}]
    up = toy.run("up", changed)
    assert up.returncode == 1
    assert "error: " + _refusal("delete", "p") in up.stderr
    assert "remove the `protect` flag" in up.stderr
    assert has_done(up.stdout, "+-", "o", "~tags")
    assert has_done(up.stdout, "~", "n", "~tags")
    assert line("-", "r") in up.stdout and line("-", "p") + "\n" not in up.stdout
    assert line("-", "p") + " **deleting failed**\n" in up.stdout
    assert line("~", "i") not in up.stdout and "i [diff" not in up.stdout
    assert [c for c in toy.calls() if c[0] == "delete"] == [("delete", "o")]  # o's old one only
    assert not any(c == ("update", "i") for c in toy.calls())
    assert toy.records()[ids["i"]]["value"] == 1  # the ignored change never reached the provider
    assert toy.resources()["i"]["inputs"]["value"] == 1
    assert ids["r"] in toy.records()
    assert "r" not in toy.resources() and "p" in toy.resources()

    # p back in the program: nothing left to do
    up = toy.run("up", [PROTECTED, *changed])
    assert up.returncode == 0, up.output
    assert "    4 unchanged" in up.stdout

    # a protected resource is not replaced: the preview shows the replacement and the error
    replaced = [{**PROTECTED, "kind": "other"}, *changed]
    preview = toy.run("preview", replaced)
    assert preview.returncode == 1
    assert line("+-", "p", "~kind") in preview.stdout
    assert "error: " + _refusal("replace", "p") in preview.stderr
    up = toy.run("up", replaced)
    assert up.returncode == 1
    assert "error: " + _refusal("replace", "p") in up.stderr
    assert not [c for c in toy.calls() if c[0] in ("create", "delete")]

    # nor destroyed; the others are
    destroy = toy.run("destroy")
    assert destroy.returncode == 1
    assert "error: " + _refusal("delete", "p") in destroy.stderr
    assert sorted(c for c in toy.calls() if c[0] == "delete") == [("delete", n) for n in "ino"]
    assert list(toy.resources()) == ["p"]

    # protected before but not after: unprotecting and replacing in one run is allowed (Pulumi
    # checks `new.Protect && old.Protect`)
    unprotected = [{**PROTECTED, "kind": "other", "opts": {}}, *changed]
    up = toy.run("up", unprotected)
    assert up.returncode == 0, up.output
    assert has_done(up.stdout, "+-", "p", "~kind")
    assert ids["p"] not in toy.records()
    assert toy.resources()["p"]["protect"] is False

"""Resource options: protect, retain_on_delete, ignore_changes, replace_on_changes."""

from __future__ import annotations

from .support import Toy, line

PROTECTED = {"name": "p", "value": 1, "opts": {"protect": True}}
RETAINED = {"name": "r", "value": 1, "opts": {"retain_on_delete": True}}
IGNORED = {"name": "i", "value": 1, "opts": {"ignore_changes": ["value"]}}
# replace_on_changes only sees changes when the provider's diff is DIFF_UNKNOWN, as in Pulumi
ROC = {"name": "o", "tags": ["t1"], "engineDiff": True, "opts": {"replace_on_changes": ["tags"]}}
PLAIN = {"name": "n", "tags": ["t1"], "engineDiff": True}


def test_resource_options(toy: Toy) -> None:
    up = toy.run("up", [PROTECTED, RETAINED, IGNORED, ROC, PLAIN])
    assert up.returncode == 0, up.output
    ids = {name: r["id"] for name, r in toy.resources().items()}
    assert toy.resources()["p"]["protect"] is True

    # p and r dropped: p's delete is refused before anything is deleted; the other steps ran
    changed = [{**IGNORED, "value": 2}, {**ROC, "tags": ["t2"]}, {**PLAIN, "tags": ["t2"]}]
    up = toy.run("up", changed)
    assert up.returncode == 1
    assert "unable to delete resources marked for protection" in up.stderr
    assert toy.resources()["p"]["urn"] in up.stderr
    assert line("+-", "o", "~tags") in up.stdout
    assert line("~", "n", "~tags") in up.stdout
    assert line("~", "i") not in up.stdout and "i [diff" not in up.stdout
    assert not [c for c in toy.calls() if c[0] == "delete" and c[1] != "o"]
    assert not any(c == ("update", "i") for c in toy.calls())
    assert toy.records()[ids["i"]]["value"] == 1  # the ignored change never reached the provider
    assert toy.resources()["i"]["inputs"]["value"] == 1

    # p back in the program: r is forgotten without a Delete call
    up = toy.run("up", [PROTECTED, *changed])
    assert up.returncode == 0, up.output
    assert line("-", "r") in up.stdout
    assert "    - 1 deleted\n    4 unchanged" in up.stdout
    assert ("delete", "r") not in toy.calls()
    assert ids["r"] in toy.records()
    assert "r" not in toy.resources()

    # a protected resource is not replaced either
    up = toy.run("up", [{**PROTECTED, "kind": "other"}, *changed])
    assert up.returncode == 1
    assert (
        'unable to replace resource "urn:pulumi:dev::toyprog::pulumi-python:dynamic/toy:Record::p"'
        in up.stderr
    )
    assert not [c for c in toy.calls() if c[0] in ("create", "delete")]

    # nor destroyed
    destroy = toy.run("destroy")
    assert destroy.returncode == 1
    assert "unable to delete resources marked for protection" in destroy.stderr
    assert not [c for c in toy.calls() if c[0] == "delete"]

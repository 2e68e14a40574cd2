"""Components, parents and non-dynamic resources (which echo their inputs, like Pulumi's mocks)."""

from __future__ import annotations

from pathlib import Path

from .support import HERE, TYPE, Toy


def test_components_and_non_dynamic_resources(tmp_path: Path) -> None:
    toy = Toy(tmp_path, program=HERE / "programs" / "mixed")
    up = toy.run("up")
    assert up.returncode == 0, up.output
    assert up.stdout.splitlines()[1:4] == [
        "    + toy:index:Bundle bundle",
        f"    + {TYPE} bundle-rec",
        "    + test:index:Thing thing",
    ]
    assert "    + 3 created" in up.stdout
    state = {r["urn"]: r for r in toy.state()["resources"]}
    record_urn = f"urn:pulumi:dev::mixed::toy:index:Bundle${TYPE}::bundle-rec"
    assert state[record_urn]["parent"] == "urn:pulumi:dev::mixed::toy:index:Bundle::bundle"
    record_id = state[record_urn]["id"]
    assert f'    thingValue: "a:{record_id}"' in up.stdout
    assert '    thingId: "thing_id"' in up.stdout
    assert toy.run("preview", expect_no_changes=True).returncode == 0

    destroy = toy.run("destroy")
    assert destroy.returncode == 0, destroy.output
    assert destroy.stdout.splitlines()[1:4] == [
        "    - test:index:Thing thing",
        f"    - {TYPE} bundle-rec",
        "    - toy:index:Bundle bundle",
    ]
    assert toy.calls() == [("delete", "bundle-rec")]

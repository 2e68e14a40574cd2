"""Components, parents and non-dynamic resources (which echo their inputs, like Pulumi's mocks)."""

from __future__ import annotations

import re
from pathlib import Path

from .support import HERE, TYPE, Toy


def test_components_and_non_dynamic_resources(tmp_path: Path) -> None:
    toy = Toy(tmp_path, program=HERE / "programs" / "mixed")
    up = toy.run("up")
    assert up.returncode == 0, up.output
    # a component has no provider operation, so no start line and no duration
    assert _timeless(up.stdout)[1:6] == [
        "    + toy:index:Bundle bundle created",
        f"    + {TYPE} bundle-rec creating (0s)",
        f"    + {TYPE} bundle-rec created (Ns)",
        "    + test:index:Thing thing creating (0s)",
        "    + test:index:Thing thing created (Ns)",
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
    assert _timeless(destroy.stdout)[1:7] == [
        "    - test:index:Thing thing deleting (0s)",
        "    - test:index:Thing thing deleted (Ns)",
        f"    - {TYPE} bundle-rec deleting (0s)",
        f"    - {TYPE} bundle-rec deleted (Ns)",
        "    - toy:index:Bundle bundle deleting (0s)",
        "    - toy:index:Bundle bundle deleted (Ns)",
    ]
    assert toy.calls() == [("delete", "bundle-rec")]


def _timeless(text: str) -> list[str]:
    """The lines with each finished operation's duration as ``(Ns)``."""
    return re.sub(r"\(\d+\.\d+s\)", "(Ns)", text).splitlines()

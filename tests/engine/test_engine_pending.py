"""A run killed while a create is in flight: the next run reports it and never creates a second copy."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

from .support import TYPE, Toy

RECORDS: list[dict[str, Any]] = [
    {"name": "first", "value": 1},
    {"name": "stuck", "value": 2, "dependsOn": ["first"], "slowCreate": 60},
]
URN = f"urn:pulumi:dev::toyprog::{TYPE}::stuck"


def _kill_mid_create(toy: Toy) -> None:
    """Start `local up`, wait until the provider is inside stuck's Create, kill the whole run."""
    import json

    engine = toy.engine
    command = engine.command("up", config={"records": json.dumps(RECORDS)})
    env = {**engine.environment(), "PULUMI_LOCAL_CONFIG_TOYPROG_TOKEN": "tok"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while ("create-start", "stuck") not in [(e["method"], e["name"]) for e in toy.log()]:
            assert process.poll() is None, "local up ended before the create started"
            assert time.monotonic() < deadline, "the create never started"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the engine and its provider process, like a ^C^C
        process.wait()


def test_killed_create_is_reported_then_imported(toy: Toy) -> None:
    _kill_mid_create(toy)
    # what finished before the kill is in the state (journal); the create in flight is pending
    assert set(toy.resources()) == {"first"}
    assert [p["urn"] for p in toy.state()["pending_operations"]] == [URN]
    # the provider did make it (the kill came after the POST, as it can with a real API)
    toy.tamper(
        lambda records: records.__setitem__(
            "made1234", {"label": "stuck", "value": 2, "kind": "a", "slowCreate": 60}
        )
    )

    for operation in ("up", "destroy", "refresh"):
        refused = toy.run(operation, RECORDS)
        assert refused.returncode == 1
        assert "1 create(s) were interrupted in an earlier run" in refused.stderr
        assert f"  {URN} (started " in refused.stderr
        assert "--import-pending-creates <URN> <ID>" in refused.stderr
        assert "--clear-pending-creates" in refused.stderr
        assert not [c for c in toy.calls() if c[0] not in ("check",)]
    preview = toy.run("preview", RECORDS)  # a preview changes nothing: it warns and shows the plan
    assert "warning: 1 create(s) were interrupted" in preview.stderr

    imported = toy.run("refresh", RECORDS, extra_args=["--import-pending-creates", URN, "made1234"])
    assert imported.returncode == 0, imported.output
    assert f"    = {TYPE} stuck" in imported.stdout
    assert toy.resources()["stuck"]["id"] == "made1234"
    assert toy.state()["pending_operations"] == []

    up = toy.run("up", RECORDS, expect_no_changes=True)
    assert up.returncode == 0, up.output
    assert not [c for c in toy.calls() if c[0] == "create"]
    assert len(toy.records()) == 2  # exactly one of each


def test_killed_create_that_made_nothing_is_cleared(toy: Toy) -> None:
    _kill_mid_create(toy)
    cleared = toy.run("refresh", RECORDS, extra_args=["--clear-pending-creates"])
    assert cleared.returncode == 0, cleared.output
    assert toy.state()["pending_operations"] == []
    fast = [RECORDS[0], {**RECORDS[1], "slowCreate": None}]
    up = toy.run("up", fast)
    assert up.returncode == 0, up.output
    assert [c for c in toy.calls() if c[0] == "create"] == [("create", "stuck")]

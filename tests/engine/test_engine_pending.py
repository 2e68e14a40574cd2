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


def test_killed_create_is_reported_and_nothing_runs_until_it_is_resolved(toy: Toy) -> None:
    _kill_mid_create(toy)
    # what finished before the kill is in the state (journal); the create in flight is pending
    assert set(toy.resources()) == {"first"}
    assert [p["urn"] for p in toy.state()["pending_operations"]] == [URN]

    for operation in ("up", "refresh"):
        refused = toy.run(operation, RECORDS)
        assert refused.returncode == 1
        assert "1 create(s) were interrupted in an earlier run" in refused.stderr
        assert f"  {URN} (started " in refused.stderr
        assert "--import-pending-creates <URN> <ID>" in refused.stderr
        assert "--clear-pending-creates" in refused.stderr
        assert not [c for c in toy.calls() if c[0] != "check"]
    # (importing one that was made: tests/programs/test_interrupted_create.py, real provider)

    # it made nothing (the provider never got to write it): clear it, and the next up creates it once
    cleared = toy.run("refresh", RECORDS, extra_args=["--clear-pending-creates"])
    assert cleared.returncode == 0, cleared.output
    assert toy.state()["pending_operations"] == []
    fast = [RECORDS[0], {**RECORDS[1], "slowCreate": None}]
    up = toy.run("up", fast)
    assert up.returncode == 0, up.output
    assert [c for c in toy.calls() if c[0] == "create"] == [("create", "stuck")]
    assert len(toy.records()) == 2

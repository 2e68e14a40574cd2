"""Steps run in parallel in dependency order; a failure behaves as in `pulumi up`."""

from __future__ import annotations

from typing import Any

from .support import Toy, line


def _max_in_flight(entries: list[dict[str, Any]]) -> int:
    """The most creates running at once, from the order of the provider's start and end log lines."""
    running = most = 0
    for entry in entries:
        if entry["method"] == "create-start":
            running += 1
            most = max(most, running)
        elif entry["method"] == "create":
            running -= 1
    return most


SLOW = [{"name": f"s{i}", "value": i, "slowCreate": 0.3} for i in range(4)]


def test_independent_creates_overlap_and_parallel_bounds_them(toy: Toy) -> None:
    up = toy.run("up", SLOW)
    assert up.returncode == 0, up.output
    assert _max_in_flight(toy.entries()) > 1
    renamed = [{**spec, "name": f"r{i}"} for i, spec in enumerate(SLOW)]
    up = toy.run("up", renamed, extra_args=["--parallel", "1"])
    assert up.returncode == 0, up.output
    assert _max_in_flight(toy.entries()) == 1
    assert "    + 4 created\n    - 4 deleted" in up.stdout


def test_a_failure_stops_new_steps_and_in_flight_ones_are_kept(toy: Toy) -> None:
    records = [
        {"name": "slow", "value": 1, "slowCreate": 1.0},
        {"name": "bad", "failCreate": True},
        {"name": "after", "value": 2, "dependsOn": ["slow"]},
    ]
    up = toy.run("up", records)
    assert up.returncode == 1
    assert "toy create failed for bad" in up.stderr
    # slow was in flight when bad failed: it finished and is in the state; after never started
    assert line("+", "slow") in up.stdout
    assert set(toy.resources()) == {"slow"}
    assert ("create", "slow") in toy.calls()
    assert not [c for c in toy.calls() if c[1] == "after" and c[0] != "check"]
    assert len(toy.records()) == 1


def test_continue_on_error_runs_every_independent_step_and_reports_every_failure(toy: Toy) -> None:
    records = [
        {"name": "bad1", "failCreate": True},
        {"name": "bad2", "failCreate": True},
        {"name": "ok", "value": 1, "slowCreate": 0.3},
        {"name": "after", "value": 2, "dependsOn": ["ok"]},
    ]
    up = toy.run("up", records, extra_args=["--continue-on-error"])
    assert up.returncode == 1
    assert "toy create failed for bad1" in up.stderr and "toy create failed for bad2" in up.stderr
    assert set(toy.resources()) == {"ok", "after"}
    assert "    + 2 created" in up.stdout

"""Ctrl-C with the toy provider: nothing new starts after the first, and the display's wording."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest

from pulumi_ld_auditsubs.testing.engine.display import Display, format_duration
from pulumi_ld_auditsubs.testing.engine.interrupts import CANCELLING, EXIT_CANCELLED, ORPHANS_NOTE
from pulumi_ld_auditsubs.testing.engine.steps import Op, StepEvent, StepStart

from .support import TYPE, Toy

RECORDS: list[dict[str, Any]] = [
    {"name": "first", "value": 1, "slowCreate": 3},
    {"name": "second", "value": 2, "dependsOn": ["first"]},
]


def test_after_the_first_ctrl_c_no_new_step_starts_and_the_one_in_flight_is_saved(toy: Toy) -> None:
    engine = toy.engine
    command = engine.command("up", config={"records": json.dumps(RECORDS)})
    env = {**engine.environment(), "PULUMI_LOCAL_CONFIG_TOYPROG_TOKEN": "tok"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while ("create-start", "first") not in [(e["method"], e["name"]) for e in toy.log()]:
            assert process.poll() is None, "local up ended before the create started"
            assert time.monotonic() < deadline, "the create never started"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == EXIT_CANCELLED
    assert f"{CANCELLING}\n{ORPHANS_NOTE}\n" in stdout
    assert f"    + {TYPE} first created (" in stdout
    assert "second" not in stdout
    assert stderr.rstrip().endswith("error: update canceled"), stderr
    assert "Traceback" not in stdout + stderr
    # the create in flight finished and is in the state; the one that waited for it never started
    assert [name for method, name in toy.calls() if method == "create"] == ["first"]
    assert set(toy.resources()) == {"first"} and toy.state()["pending_operations"] == []

    up = toy.run("up", [RECORDS[0], RECORDS[1]])
    assert up.returncode == 0, up.output
    assert [name for method, name in toy.calls() if method == "create"] == ["second"]


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0, "0.00s"), (0.4249, "0.42s"), (0.999, "1.00s"), (1.0, "1.0s"), (6.14, "6.1s")]
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_start_end_and_interrupted_lines() -> None:
    urn = "urn:pulumi:dev::p::t::r"
    out = io.StringIO()
    display = Display("up", "dev", out)
    start = StepStart(Op.CREATE, "creating", urn, "t")
    display.start(start)
    display.event(StepEvent(Op.CREATE, urn, "t", duration=6.14))
    display.cancelling()
    display.terminating([start, StepStart(Op.DELETE, "deleting", urn, "t")])
    assert out.getvalue().splitlines() == [
        "    + t r creating (0s)",
        "    + t r created (6.1s)",
        CANCELLING,
        ORPHANS_NOTE,
        "^C received; terminating",
        "    + t r creating (interrupted)",
        "    - t r deleting (interrupted)",
    ]

    preview = io.StringIO()
    display = Display("preview", "dev", preview)
    display.start(start)  # a preview runs no provider operation: no start line
    display.event(StepEvent(Op.CREATE, urn, "t"))
    display.cancelling()  # and no warning about terminating
    assert preview.getvalue().splitlines() == ["    + t r", CANCELLING]

"""`local up` killed while LaunchDarkly is still answering a POST: never a second subscription.

The emulator creates the subscription at once and holds the answer back (``answer_late``), so the
run is killed after LaunchDarkly acted and before the engine heard of it: the worst case for a
duplicate. The next run reports the interrupted create, refresh imports the subscription by its ID,
and the following `up` sends no POST.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine

from .stacks import CASES, PASSPHRASE, TOKEN, TYPE

CASE = CASES[0]  # quickstart dev: a datadog and an msteams subscription
PREFIX = f"urn:pulumi:{CASE.stack}::ld-auditsubs-quickstart::{TYPE}::"
KINDS = {"datadog": "datadog", "teams": "msteams"}  # resource name -> integration key


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


def test_killed_up_is_resolved_without_a_duplicate(emulator: Emulator, tmp_path: Path) -> None:
    engine = LocalEngine(
        CASE.program_dir,
        CASE.stack,
        state_dir=tmp_path / "state",
        config={"launchdarkly:apiHost": emulator.url, "launchdarkly:accessToken": TOKEN, **CASE.secrets},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )
    emulator.inject_fault("POST", "/api/v2/integrations/datadog", action="answer_late", delay=60)
    process = subprocess.Popen(
        engine.command("up"),
        env=engine.environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not emulator.subscriptions("datadog"):
            assert process.poll() is None, "local up ended before LaunchDarkly acted"
            assert time.monotonic() < deadline, "the POST never arrived"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    made = {
        name: emulator.subscriptions(kind)[0]["_id"]
        for name, kind in KINDS.items()
        if emulator.subscriptions(kind)
    }
    pending = [p["urn"].rsplit("::", 1)[-1] for p in engine.state()["pending_operations"]]
    assert "datadog" in pending and set(pending) <= set(KINDS)

    refused = engine.up()
    assert refused.returncode == 1
    assert f"{len(pending)} create(s) were interrupted in an earlier run" in refused.stderr
    for name in pending:
        assert f"  {PREFIX}{name} (started " in refused.stderr
    assert "--import-pending-creates <URN> <ID>" in refused.stderr
    assert [r.method for r in emulator.requests].count("POST") == len(made)

    # what the user does: import what the interrupted creates made, clear the ones that made nothing
    found = [name for name in pending if name in made]
    flags = [
        a
        for name in found
        for a in ("--import-pending-creates", PREFIX + name, f"{KINDS[name]}/{made[name]}")
    ]
    if set(pending) - set(found):
        flags.append("--clear-pending-creates")
    imported = engine.run("refresh", extra_args=flags)
    assert imported.returncode == 0, imported.output
    for name in found:
        assert f"    = {TYPE} {name}" in imported.stdout

    emulator.clear_requests()
    up = engine.up()
    assert up.returncode == 0, up.output
    posts = [r.path for r in emulator.requests if r.method == "POST"]
    assert posts == [f"/api/v2/integrations/{KINDS[name]}" for name in KINDS if name not in made]
    assert [s["_id"] for s in emulator.subscriptions("datadog")] == [made["datadog"]]
    assert len(emulator.subscriptions("msteams")) == 1

"""`local up` as a person at a terminal sees it: Ctrl-C once and twice, and progress while waiting.

Each run is a real `python -m pulumi_ld_auditsubs local up` process group (the engine, the program
in it, and the dynamic-provider process) against the emulator, its output read line by line as it
is written. A slow create is the emulator acting late on one POST (``act_late``), so only that
create is slow; "in flight" is judged by what the emulator had seen when a line was read, never by
a wall-clock margin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine
from pulumi_ld_auditsubs.testing.engine.interrupts import CANCELLING, EXIT_CANCELLED, TERMINATING

from .stacks import CASES, PASSPHRASE, TOKEN, TYPE
from .streaming import Streamed

CASE = CASES[0]  # quickstart dev: a datadog and an msteams subscription
DATADOG = f"    + {TYPE} datadog"
DATADOG_URN = f"urn:pulumi:{CASE.stack}::ld-auditsubs-quickstart::{TYPE}::datadog"
TEAMS_URN = f"urn:pulumi:{CASE.stack}::ld-auditsubs-quickstart::{TYPE}::teams"
DATADOG_POST = "/api/v2/integrations/datadog"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


def _engine(emulator: Emulator, tmp_path: Path, *, token: bool = True) -> LocalEngine:
    config = {"launchdarkly:apiHost": emulator.url, **CASE.secrets}
    if token:
        config["launchdarkly:accessToken"] = TOKEN
    return LocalEngine(
        CASE.program_dir,
        CASE.stack,
        state_dir=tmp_path / "state",
        config=config,
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "LAUNCHDARKLY_ACCESS_TOKEN": ""},
    )


def _posts(emulator: Emulator, path: str = DATADOG_POST) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path == path)


def _duration(line: str) -> float:
    match = re.search(r"\((\d+(?:\.\d+)?)s\)$", line)
    assert match, line
    return float(match.group(1))


def test_first_ctrl_c_lets_the_create_in_flight_finish_and_saves_it(
    emulator: Emulator, tmp_path: Path
) -> None:
    engine = _engine(emulator, tmp_path)
    emulator.inject_fault("POST", DATADOG_POST, action="act_late", delay=4)
    run = Streamed(engine.command("up"), engine.environment(), observe=lambda _t: _posts(emulator))
    creating = run.wait_for(f"{DATADOG} creating (0s)")
    run.interrupt()
    code = run.finish()

    assert code == EXIT_CANCELLED, run.output
    cancelling = run.wait_for(CANCELLING)
    assert cancelling.observed == 0  # said while LaunchDarkly had not yet answered the create
    assert creating.observed == 0
    assert run.output.count("^C received") == 1
    assert "Traceback" not in run.output and "KeyboardInterrupt" not in run.output
    assert _duration(run.wait_for(f"{DATADOG} created (").text) >= 4  # it finished, after the ^C
    assert run.output.rstrip().endswith("error: update canceled")
    assert run.group_is_gone()
    urns = [r["urn"] for r in engine.state()["resources"]]
    assert DATADOG_URN in urns and engine.state()["pending_operations"] == []

    emulator.clear_requests()
    again = engine.up()
    assert again.returncode == 0, again.output
    assert "Traceback" not in again.output
    # The teams create is made only if the program had registered it before the ^C (it needs no
    # wait, but under load the program may be slower than the signal): never made twice either way.
    teams_made = f"    + {TYPE} teams created (" in run.output
    expected = [] if teams_made else ["/api/v2/integrations/msteams"]
    assert [r.path for r in emulator.requests if r.method == "POST"] == expected
    assert len(emulator.subscriptions("datadog")) == 1 and len(emulator.subscriptions("msteams")) == 1


def test_second_ctrl_c_stops_at_once_and_leaves_the_create_pending(
    emulator: Emulator, tmp_path: Path
) -> None:
    engine = _engine(emulator, tmp_path)
    # LaunchDarkly acts on the POST at once and answers late: the worst case for a duplicate
    emulator.inject_fault("POST", DATADOG_POST, action="answer_late", delay=8)
    run = Streamed(engine.command("up"), engine.environment())
    run.wait_for(f"{DATADOG} creating (0s)")
    deadline = time.monotonic() + 60
    while not emulator.subscriptions("datadog"):  # LaunchDarkly has acted on the POST
        assert time.monotonic() < deadline, run.output
        time.sleep(0.05)
    run.interrupt()
    run.wait_for(CANCELLING)
    run.interrupt()
    code = run.finish()

    assert code == EXIT_CANCELLED, run.output
    run.wait_for(TERMINATING)
    assert f"{DATADOG} creating (interrupted)" in run.output  # it stopped before LaunchDarkly answered
    assert f"{DATADOG} created" not in run.output
    assert "Traceback" not in run.output and "KeyboardInterrupt" not in run.output
    assert run.group_is_gone()  # the provider process did not outlive the run
    # Both creates share one rate-limit route, so the teams create may still be queued behind it
    pending = [p["urn"] for p in engine.state()["pending_operations"]]
    assert DATADOG_URN in pending and set(pending) <= {DATADOG_URN, TEAMS_URN}

    emulator.clear_requests()
    refused = engine.up()
    assert refused.returncode == 1
    assert f"{len(pending)} create(s) were interrupted in an earlier run" in refused.stderr
    assert f"  {DATADOG_URN} (started " in refused.stderr
    assert "--import-pending-creates <URN> <ID>" in refused.stderr
    assert "Traceback" not in refused.output
    assert [r for r in emulator.requests if r.method == "POST"] == []
    assert len(emulator.subscriptions("datadog")) == 1 and len(emulator.subscriptions("msteams")) <= 1


def test_a_slow_create_announces_itself_before_it_ends(emulator: Emulator, tmp_path: Path) -> None:
    engine = _engine(emulator, tmp_path)
    emulator.inject_fault("POST", DATADOG_POST, action="act_late", delay=6)
    run = Streamed(
        engine.command("up"), engine.environment(), observe=lambda _t: len(emulator.subscriptions("datadog"))
    )
    assert run.wait_for(f"{DATADOG} creating (0s)").observed == 0  # read while the create was running
    assert run.finish() == 0, run.output
    created = run.wait_for(f"{DATADOG} created (")
    assert created.observed == 1
    assert _duration(created.text) >= 6


def test_a_rate_limited_run_streams_the_providers_lines_while_it_waits(tmp_path: Path) -> None:
    # Both creates share LaunchDarkly's route POST /api/v2/integrations/{integrationKey}: with one
    # request per 4 s window the second waits for the window to reset.
    with Emulator(tokens=(TOKEN,), rate_limit=1, rate_limit_window=4) as emulator:
        engine = _engine(emulator, tmp_path)
        run = Streamed(
            engine.command("up"), engine.environment(), observe=lambda _t: len(emulator.subscriptions())
        )
        assert run.finish() == 0, run.output
    # The provider's own log line and both starts were read before the waiting create was sent.
    assert run.wait_for("INFO: pulumi-ld-auditsubs: LaunchDarkly API host").observed == 0
    assert run.wait_for(f"{DATADOG} creating (0s)").observed <= 1
    waited = [line for line in run.lines if "created (" in line.text]
    assert len(waited) == 2 and max(_duration(line.text) for line in waited) >= 3


def test_a_missing_token_names_the_local_engines_way_to_set_it(emulator: Emulator, tmp_path: Path) -> None:
    up = _engine(emulator, tmp_path, token=False).up()
    assert up.returncode == 1
    assert (
        "(pulumi config set --secret launchdarkly:accessToken <token>; with the local engine: "
        "--config launchdarkly:accessToken=<token>)"
    ) in up.stderr
    assert emulator.requests == []

"""Ctrl-C during `local up` of plugin resources: the plugin processes (and a Node.js program) must not
see the terminal's SIGINT themselves, as under the CLI, which starts plugins in a process group of
their own. The first ^C lets the create in flight finish and saves it; the next `up` sends no POST.

Each run is a real `python -m pulumi_ld_auditsubs local up` process group; a slow create is the US
emulator acting late on its one POST (``act_late``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from programs.streaming import Streamed

from pulumi_ld_auditsubs.testing.engine.interrupts import CANCELLING, EXIT_CANCELLED

from .nodejs import cache_root, install_sdk, sdk_range
from .support import RESOURCE, Accounts, engine, ok, stack_program

ROOT = Path(__file__).resolve().parents[3]
DATADOG_POST = "/api/v2/integrations/datadog"


def _first_ctrl_c_saves_the_create_in_flight(
    program: Path, project: str, us_name: str, tmp_path: Path, accounts: Accounts, webhook_key: str
) -> None:
    local = engine(program, tmp_path / "state", accounts, project, webhook_key)
    accounts.us.inject_fault("POST", DATADOG_POST, action="act_late", delay=4)
    run = Streamed(local.command("up"), local.environment())
    run.wait_for(f"    + {RESOURCE} {us_name} creating (0s)")
    run.interrupt()
    code = run.finish()

    assert code == EXIT_CANCELLED, run.output
    run.wait_for(CANCELLING)
    assert f"    + {RESOURCE} {us_name} created (" in run.output, run.output  # finished after the ^C
    assert "Traceback" not in run.output and "KeyboardInterrupt" not in run.output
    assert run.output.rstrip().endswith("error: update canceled")
    assert run.group_is_gone()  # the plugin processes and the program ended with the run
    [created] = accounts.us.subscriptions("datadog")
    saved = {r["urn"].rsplit("::", 1)[-1]: r for r in local.state()["resources"]}
    assert saved[us_name]["id"] == f"datadog/{created['_id']}"
    assert local.state()["pending_operations"] == []

    accounts.clear()
    again = ok(local.up())
    assert "Traceback" not in again.output
    us_posts = [r.path for r in accounts.us.requests if r.method == "POST"]
    assert us_posts == [], again.output  # the saved create is not made twice
    assert len(accounts.us.subscriptions("datadog")) == 1


def test_first_ctrl_c_lets_a_python_programs_plugin_create_finish(tmp_path: Path, accounts: Accounts) -> None:
    program = stack_program(
        ROOT / "examples" / "two-accounts", tmp_path, "ld-auditsubs-two-accounts", "teamsWebhookUrl"
    )
    _first_ctrl_c_saves_the_create_in_flight(
        program, "ld-auditsubs-two-accounts", "us-datadog", tmp_path, accounts, "teamsWebhookUrl"
    )


def test_first_ctrl_c_lets_a_javascript_programs_plugin_create_finish(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    accounts: Accounts,
) -> None:
    example = ROOT / "examples" / "javascript"
    node_modules = install_sdk(
        cache_root(request.config, tmp_path_factory), sdk_range(example / "package.json")
    )
    program = stack_program(example, tmp_path, "ld-auditsubs-javascript", "slackWebhookUrl")
    (program / "node_modules").symlink_to(node_modules, target_is_directory=True)
    _first_ctrl_c_saves_the_create_in_flight(
        program, "ld-auditsubs-javascript", "datadog", tmp_path, accounts, "slackWebhookUrl"
    )

"""examples/two-accounts (Python) through the local engine: a default and an explicit provider of the
native plugin, each at its own emulator, over preview/up/up/tag change/refresh/destroy."""

from __future__ import annotations

import shutil
from pathlib import Path

from .support import Accounts, Program, engine, run_lifecycle, run_lookups, stack_program

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-accounts"
PROJECT = "ld-auditsubs-two-accounts"


def test_two_accounts_example_keeps_each_subscription_at_its_own_host(
    tmp_path: Path, accounts: Accounts
) -> None:
    program = stack_program(EXAMPLE, tmp_path, PROJECT, "teamsWebhookUrl")
    case = Program(program, PROJECT, us_name="us-datadog", eu_name="eu-teams", eu_kind="msteams")
    run_lifecycle(case, engine(program, tmp_path / "state", accounts, PROJECT, "teamsWebhookUrl"), accounts)


def test_python_invokes_go_to_the_default_or_the_explicit_provider(
    tmp_path: Path, accounts: Accounts
) -> None:
    """``pulumi.runtime.invoke_output`` reaches the plugin through ``Mocks.call``, at each provider's host."""
    program = tmp_path / "py-lookups"
    shutil.copytree(Path(__file__).resolve().parent / "programs" / "py-lookups", program)
    run_lookups(program, tmp_path / "state", accounts)

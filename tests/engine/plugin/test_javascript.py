"""examples/javascript (``runtime: nodejs``) on ``@pulumi/pulumi`` from npm, through the local engine:
the program runs in ``node`` as Pulumi's Node.js language host starts it, against the engine's gRPC
resource monitor; its resources go to the native plugin, a default and an explicit provider, each at
its own emulator. Functions are invoked through the monitor's ``Invoke``, to the right provider."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .nodejs import cache_root, install_sdk, sdk_range
from .support import Accounts, Program, engine, run_lifecycle, run_lookups, stack_program

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "javascript"
LOOKUPS = Path(__file__).resolve().parent / "programs" / "js-lookups"
PROJECT = "ld-auditsubs-javascript"


@pytest.fixture(scope="session")
def node_modules(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_sdk(cache_root(request.config, tmp_path_factory), sdk_range(EXAMPLE / "package.json"))


def with_sdk(program: Path, node_modules: Path) -> Path:
    (program / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return program


def test_javascript_example_keeps_each_subscription_at_its_own_host(
    tmp_path: Path, accounts: Accounts, node_modules: Path
) -> None:
    program = with_sdk(stack_program(EXAMPLE, tmp_path, PROJECT, "slackWebhookUrl"), node_modules)
    case = Program(program, PROJECT, us_name="datadog", eu_name="eu-slack", eu_kind="slack")
    run_lifecycle(case, engine(program, tmp_path / "state", accounts, PROJECT, "slackWebhookUrl"), accounts)


def test_javascript_invokes_go_to_the_default_or_the_explicit_provider(
    tmp_path: Path, accounts: Accounts, node_modules: Path
) -> None:
    program = tmp_path / "js-lookups"
    shutil.copytree(LOOKUPS, program)
    run_lookups(with_sdk(program, node_modules), tmp_path / "state", accounts)

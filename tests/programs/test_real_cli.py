"""Every example stack through the real Pulumi CLI against the emulator.

Each stack runs in a temporary copy of its example (``Pulumi.yaml``'s virtualenv pointed at this
interpreter's environment, so nothing is installed or downloaded) with a temporary ``file://``
backend (``PULUMI_BACKEND_URL``: the user's ``pulumi login`` is left alone), passphrase secrets and
the emulator's host in stack config: ``stack init``, ``config set`` (``--secret`` for the token and
the integration secrets), ``up``, ``preview --expect-no-changes``, a config change and ``up``,
``refresh --skip-preview``, ``destroy``. Skipped when the CLI is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.commands.demo import copy_program, python_env
from pulumi_ld_auditsubs.testing import Emulator

from .stacks import (
    CASES,
    PASSPHRASE,
    SECRET_VALUES,
    TOKEN,
    StackCase,
    assert_declared,
    create_by_hand,
    files_leaking,
)

PULUMI = shutil.which("pulumi")
TIMEOUT_S = 300
pytestmark = pytest.mark.skipif(shutil.which("pulumi") is None, reason="pulumi CLI not on PATH")


class Cli:
    """``pulumi`` in one program directory with a private backend and passphrase."""

    def __init__(self, program_dir: Path, backend_dir: Path, stack: str) -> None:
        self.program_dir = program_dir
        self.stack = stack
        backend_dir.mkdir(parents=True, exist_ok=True)
        dropped = {
            "LAUNCHDARKLY_ACCESS_TOKEN",
            "LAUNCHDARKLY_API_HOST",
            "PULUMI_CONFIG_PASSPHRASE_FILE",
            "PULUMI_STACK",
            "PULUMI_ACCESS_TOKEN",
        }
        self.env = {k: v for k, v in os.environ.items() if k not in dropped}
        self.env.update(
            {
                "PULUMI_BACKEND_URL": backend_dir.as_uri(),
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                **python_env(),
            }
        )

    def __call__(self, *args: str, stack: bool = True) -> subprocess.CompletedProcess[str]:
        assert PULUMI is not None
        command = [PULUMI, *args, "--non-interactive"]
        if stack:
            command += ["--stack", self.stack]
        completed = subprocess.run(
            command,
            cwd=self.program_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        output = completed.stdout + completed.stderr
        shown = " ".join(args)
        assert completed.returncode == 0, f"pulumi {shown} failed ({completed.returncode}):\n{output}"
        for value in SECRET_VALUES:
            assert value not in output, f"pulumi {shown} printed a secret"
        return completed

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        self("config", "set", *(["--secret"] if secret else []), key, value)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_stack_with_the_pulumi_cli(case: StackCase, emulator: Emulator, tmp_path: Path) -> None:
    program_dir = copy_program(case.program_dir, tmp_path / case.example)
    backend_dir = tmp_path / "backend"
    pulumi = Cli(program_dir, backend_dir, case.stack)

    pulumi("stack", "init", case.stack, "--secrets-provider", "passphrase", stack=False)
    pulumi.set_config("launchdarkly:apiHost", emulator.url)
    pulumi.set_config("launchdarkly:accessToken", TOKEN, secret=True)
    for key, value in case.secrets.items():
        pulumi.set_config(key, value, secret=True)
    adopted = ""
    if case.adopt:
        adopted = create_by_hand(emulator.url)
        pulumi.set_config("existingSubscriptionId", adopted)
    # the stack file holds ciphertext only
    assert files_leaking(program_dir) == []

    emulator.clear_requests()
    pulumi("up", "--yes")
    methods = sorted(r.method for r in emulator.requests)
    if case.adopt:
        assert methods == ["GET", "PATCH"]
        assert [s["_id"] for s in emulator.subscriptions()] == [adopted]
    else:
        assert methods == ["POST"] * len(case.resources)
    subscriptions = assert_declared(case, emulator.subscriptions())
    for name, config_field, config_key in case.stored_secrets:
        sub = subscriptions[name]
        assert emulator.secret(sub["kind"], sub["_id"], config_field) == case.secrets[config_key]

    emulator.clear_requests()
    pulumi("preview", "--expect-no-changes")
    assert emulator.requests == []

    change = case.change
    pulumi.set_config(change.key, change.value)
    emulator.clear_requests()
    pulumi("up", "--yes")
    target = subscriptions[change.resource]
    [patch] = emulator.requests
    assert (patch.method, patch.path) == ("PATCH", f"/api/v2/integrations/{target['kind']}/{target['_id']}")
    assert patch.body["patch"] == [{"op": "replace", "path": change.path, "value": change.patch_value}]

    # `refresh --yes` previews first, and the preview's refresh steps call Read too (two GETs per
    # subscription); --skip-preview leaves the one GET of the refresh itself
    emulator.clear_requests()
    pulumi("refresh", "--yes", "--skip-preview")
    assert sorted(r.method for r in emulator.requests) == ["GET"] * len(case.resources)
    pulumi("preview", "--expect-no-changes")

    emulator.clear_requests()
    pulumi("destroy", "--yes")
    assert sorted(r.method for r in emulator.requests) == ["DELETE"] * len(case.resources)
    assert emulator.subscriptions() == []
    assert files_leaking(backend_dir) == []
    assert files_leaking(program_dir) == []

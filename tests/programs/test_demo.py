"""``pulumi-ld-auditsubs demo``: the README's main command, end to end and on failure."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pulumi_ld_auditsubs.commands import demo
from pulumi_ld_auditsubs.testing import Emulator


def _tree(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_mtime_ns for p in directory.rglob("*")}


def test_demo_runs_the_quickstart_end_to_end() -> None:
    example = demo.find_example()
    assert example is not None
    before = _tree(example)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_LOCAL_CONFIG_")}
    completed = subprocess.run(
        [sys.executable, "-m", "pulumi_ld_auditsubs", "demo"],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    first = completed.stdout.splitlines()[0]
    if shutil.which("pulumi") is None:
        assert first.startswith(
            "demo: using the local engine (no pulumi CLI on PATH) against the embedded LaunchDarkly "
            "emulator at http://127.0.0.1:"
        ), first
    else:
        assert first.startswith("demo: using the pulumi CLI ("), first
    for step in (
        "1/6 preview",
        "2/6 up",
        "3/6 change datadogSite",
        "4/6 preview",
        "5/6 refresh",
        "6/6 destroy",
    ):
        assert f"== {step}" in completed.stdout
    # the JSON Patch the change sent, as the emulator received it
    assert "    PATCH /api/v2/integrations/datadog/" in completed.stdout
    assert '"op": "replace"' in completed.stdout
    assert '"path": "/config/hostURL"' in completed.stdout
    assert '"value": "https://us5.datadoghq.com"' in completed.stdout
    assert completed.stdout.rstrip().endswith("the emulator holds no subscriptions")
    for secret in demo.SECRETS:
        assert secret not in output
    assert _tree(example) == before


def test_demo_without_its_packaged_program_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "QUICKSTART", tmp_path / "missing")
    assert demo.run(argparse.Namespace(use_local_engine=True, keep=False)) == 2
    err = capsys.readouterr().err
    assert "the quickstart program is missing from the installed package" in err
    assert "reinstall pulumi-ld-auditsubs" in err


def test_a_failing_step_fails_the_demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class RefusingEmulator(Emulator):
        def start(self) -> Emulator:
            super().start()
            self.inject_fault("POST", "/api/v2/integrations/*", status=400, times=10)
            return self

    monkeypatch.setattr(demo, "Emulator", RefusingEmulator)
    assert demo.run(argparse.Namespace(use_local_engine=True, keep=False)) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("demo: using the local engine (--use-local-engine) against ")
    assert "demo: FAILED: up failed (`pulumi-ld-auditsubs local up quickstart" in captured.err
    assert "see its output above" in captured.err
    assert "HTTP 400" in captured.out
    for secret in demo.SECRETS:
        assert secret not in captured.out + captured.err


def test_the_copy_runs_with_this_interpreter_and_leaves_the_example_alone(tmp_path: Path) -> None:
    example = demo.find_example()
    assert example is not None
    copy = demo.copy_program(example, tmp_path / "quickstart")
    project = yaml.safe_load((copy / "Pulumi.yaml").read_text())
    assert project["name"] == "ld-auditsubs-quickstart"
    assert project["runtime"]["name"] == "python"
    if demo.python_env():
        assert "virtualenv" not in project["runtime"]["options"]
    else:
        assert project["runtime"]["options"]["virtualenv"] == sys.prefix
    for name in ("__main__.py", "Pulumi.dev.yaml"):
        assert (copy / name).read_bytes() == (example / name).read_bytes()
    assert yaml.safe_load((example / "Pulumi.yaml").read_text())["runtime"]["options"]["virtualenv"] == "venv"


def test_cli_mode_refreshes_without_the_preview_that_would_read_everything_twice(tmp_path: Path) -> None:
    # `pulumi refresh --yes` previews first, and the preview's refresh steps call Read too
    fake = tmp_path / "pulumi"
    log = tmp_path / "args.txt"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake.chmod(0o755)
    driver = demo.PulumiCliDriver(str(fake), tmp_path, tmp_path / "backend")
    for operation in ("preview", "up", "refresh", "destroy"):
        assert driver.run(operation).returncode == 0
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["preview", "up", "refresh", "destroy"]
    assert [line for line in lines if "--skip-preview" in line] == [
        "refresh --stack dev --non-interactive --yes --skip-preview"
    ]

"""Failures surface with the provider's (or the engine's) message and a non-zero exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .support import PROGRAM, TOKEN, TYPE, Toy, token_hash


def test_check_failure_reports_property_and_reason(toy: Toy) -> None:
    result = toy.run("up", [{"name": "ok", "value": 1}, {"name": "neg", "value": -1}], token_via_config=True)
    assert result.returncode == 1
    assert f"error: {TYPE} neg: Check failed:\nvalue: must not be negative" in result.stderr
    assert ("create", "neg") not in toy.calls()
    assert {e["token"] for e in toy.entries() if e["method"] == "check"} == {token_hash()}  # via --config
    assert TOKEN not in result.output


def test_provider_exception_is_shown_and_nothing_recorded(toy: Toy) -> None:
    result = toy.run("up", [{"name": "boom", "failCreate": True}])
    assert result.returncode == 1
    assert f"error: {TYPE} boom: Create failed:" in result.stderr
    # The dynamic provider's traceback (pulumi after 3.216), or gRPC's wording for the exception (3.216)
    assert any(
        f"{prefix}toy create failed for boom: failCreate is set" in result.stderr
        for prefix in ("RuntimeError: ", "Exception calling application: ")
    ), result.stderr
    assert toy.resources() == {}


def test_program_exception_is_reported(toy: Toy) -> None:
    result = toy.run("preview", [{"name": "x", "valueFrom": "nowhere"}])
    assert result.returncode == 1
    assert "error: Program failed with an unhandled exception:" in result.stderr
    assert "KeyError: 'nowhere'" in result.stderr


def test_missing_secure_value_names_both_ways_to_supply_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_LOCAL_CONFIG_")}
    command = [sys.executable, "-m", "pulumi_ld_auditsubs", "local", "preview", str(PROGRAM)]
    command += ["--stack", "dev", "--state-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 1
    assert "Pulumi.dev.yaml has secure (encrypted) values" in result.stderr
    assert (
        "  toyprog:token: pass --config toyprog:token=VALUE "
        "or set the environment variable PULUMI_LOCAL_CONFIG_TOYPROG_TOKEN"
    ) in result.stderr
    assert result.stdout == ""

    bad = subprocess.run(
        [*command, "--config", "novalue"], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 2
    assert "--config expects KEY=VALUE" in bad.stderr


def test_a_long_provider_error_arrives_whole(toy: Toy) -> None:
    # the message travels as a gRPC trailer; over 8 KiB it used to arrive as "received metadata
    # size exceeds soft limit" and the provider's words were lost
    result = toy.run("up", [{"name": "loud", "failCreate": 20_000}])
    assert result.returncode == 1
    assert f"error: {TYPE} loud: Create failed:" in result.stderr
    assert "toy create failed for loud: failCreate is set" + "x" * 20_000 + "END" in result.stderr
    assert "metadata size" not in result.stderr

"""Type checkers verify ``config`` against the integration's TypedDict (issue 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

HERE = Path(__file__).parent
SAMPLES = HERE / "samples"
REPO = HERE.parent.parent


@pytest.fixture(scope="module")
def mypy_errors() -> dict[str, list[str]]:
    """mypy --strict over both samples in one run (the SDK's types make each run cost seconds)."""
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--enable-error-code",
            "deprecated",
            "--no-error-summary",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            str(SAMPLES / "good_program.py"),
            str(SAMPLES / "bad_program.py"),
        ]
    )
    assert not stderr, stderr
    errors: dict[str, list[str]] = {"good_program.py": [], "bad_program.py": []}
    for line in stdout.splitlines():
        match = re.match(r".*?([a-z_]+\.py):(\d+): error: (.*)", line)
        if match:
            errors.setdefault(match[1], []).append(f"{match[2]}: {match[3]}")
    return errors


def test_good_program_type_checks(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["good_program.py"] == []


def _bad_lines() -> list[int]:
    lines = (SAMPLES / "bad_program.py").read_text().splitlines()
    return [number for number, line in enumerate(lines, start=1) if "# BAD" in line]


def test_bad_program_is_reported_on_every_mistake(mypy_errors: dict[str, list[str]]) -> None:
    reported = mypy_errors["bad_program.py"]
    reported_lines = {int(error.split(":")[0]) for error in reported}
    assert reported_lines == set(_bad_lines()), reported
    text = "\n".join(reported)
    assert "does not match the integration's TypedDict" in text
    assert '"hostUrl"' in text
    assert '"skip-ca-verification"' in text
    assert "hideMemberDetails" in text

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
    """mypy --strict over every sample in one run (the SDK's types make each run cost seconds)."""
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--enable-error-code",
            "deprecated",
            "--no-error-summary",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            str(SAMPLES / "good_program.py"),
            str(SAMPLES / "stack_values_program.py"),
            str(SAMPLES / "bad_program.py"),
        ]
    )
    assert not stderr, stderr
    errors: dict[str, list[str]] = {
        "good_program.py": [],
        "stack_values_program.py": [],
        "bad_program.py": [],
    }
    for line in stdout.splitlines():
        match = re.match(r".*?([a-z_]+\.py):(\d+): error: (.*)", line)
        if match:
            errors.setdefault(match[1], []).append(f"{match[2]}: {match[3]}")
    return errors


def test_good_program_type_checks(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["good_program.py"] == []


def test_stack_values_pass_through_the_fields_newtype_without_a_cast(
    mypy_errors: dict[str, list[str]],
) -> None:
    """The documented way (docs/configuration.md, "Per-stack values in typed config") type-checks."""
    source = (SAMPLES / "stack_values_program.py").read_text()
    assert "cast(" not in source and "type: ignore" not in source
    assert mypy_errors["stack_values_program.py"] == []


def _bad_line(marker: str) -> str:
    lines = (SAMPLES / "bad_program.py").read_text().splitlines()
    return str(next(number for number, line in enumerate(lines, start=1) if marker in line))


def test_a_wrong_literal_still_fails_and_a_bare_str_names_the_newtype(
    mypy_errors: dict[str, list[str]],
) -> None:
    reported = dict(error.split(": ", 1) for error in mypy_errors["bad_program.py"])
    wrong = reported[_bad_line("BAD: not a Datadog site")]
    assert wrong.startswith(
        "Incompatible types (expression has type \"Literal['https://api.datadoghq.org']\""
    )
    assert 'TypedDict item "hostURL"' in wrong and "DatadogHostURLValue" in wrong
    unwrapped = reported[_bad_line("BAD: a str needs")]
    assert unwrapped.startswith('Incompatible types (expression has type "str"')
    assert "DatadogHostURLValue" in unwrapped
    other = reported[_bad_line("BAD: New Relic's type")]
    assert other.startswith('Incompatible types (expression has type "NewRelicApmDomainValue"')


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


@pytest.mark.parametrize("example", ["quickstart", "multi-environment", "adopt-existing", "two-accounts"])
def test_every_example_type_checks(example: str) -> None:
    """The examples are programs users copy: mypy --strict passes on each as it is."""
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            str(REPO / "examples" / example / "__main__.py"),
        ]
    )
    assert (stdout, stderr, status) == ("", "", 0)

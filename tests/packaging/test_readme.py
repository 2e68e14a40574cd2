"""The README stays a front page whose commands and first program are the ones that work.

CI runs the README's install and test commands as written (`.ci/run`), and `scripts/check_dist.sh`
runs the README's first Python block through the local engine; the details live in docs/."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
INSTALL = (
    "python3 -m venv .venv && . .venv/bin/activate"
    " && pip install -e '.[test]' --config-settings editable_mode=compat"
)


def _code_lines() -> list[str]:
    lines, inside = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def _first_python_block() -> str:
    match = re.search(r"^```python\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
    assert match, "no Python block in the README"
    return match[1]


def test_the_readme_is_a_front_page() -> None:
    assert len(README.splitlines()) <= 250, "README.md is a front page: move details into docs/"


def test_the_install_and_test_commands_are_there_verbatim() -> None:
    assert INSTALL in _code_lines()
    assert "python -m pytest -q" in _code_lines()
    assert INSTALL in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_first_program_is_typed_and_a_misspelled_key_is_reported_by_default(tmp_path: Path) -> None:
    """The README's program builds config with its TypedDict, so mypy's default error codes (no
    `deprecated`) name a misspelled key."""
    program = _first_python_block()
    assert "DatadogConfig(apiKey=" in program and "hostURL=" in program
    (tmp_path / "readme_program.py").write_text(program)
    (tmp_path / "readme_misspelled.py").write_text(program.replace("hostURL=", "hostUrl="))
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            str(tmp_path / "readme_program.py"),
            str(tmp_path / "readme_misspelled.py"),
        ]
    )
    assert not stderr, stderr
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if "readme_program.py" in line], errors
    assert [line for line in errors if "readme_misspelled.py" in line and '"hostUrl"' in line], stdout

"""What the Pulumi CLI reads from this repository: PulumiPlugin.yaml and the examples' Pulumi.yaml.

The CLI is not needed: these tests check the files against the fields the CLI's loaders accept
(``workspace.PluginProject``, ``workspace.Project`` in pulumi/pulumi) and run exactly what the Python
language host runs for a source plugin without ``__main__.py`` (``RunPlugin`` in
``sdk/python/cmd/pulumi-language-python/main.go``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PROJECT_FIELDS = {"runtime", "packages", "requiredPulumiVersion", "template"}
EXAMPLES = sorted((ROOT / "examples").glob("*/Pulumi.yaml"))


def test_plugin_manifest_is_a_valid_python_plugin_project() -> None:
    manifest = yaml.safe_load((ROOT / "PulumiPlugin.yaml").read_text())
    assert isinstance(manifest, dict) and set(manifest) <= PLUGIN_PROJECT_FIELDS
    assert manifest["runtime"] == "python"
    # with no __main__.py the language host runs `python -m pulumi.run.plugin <pyproject name>`
    assert not (ROOT / "__main__.py").exists()
    assert 'name = "pulumi-ld-auditsubs"' in (ROOT / "pyproject.toml").read_text()


def test_running_the_repository_as_a_plugin_says_what_it_is(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pulumi.run.plugin", "pulumi-ld-auditsubs", "127.0.0.1:45123"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.startswith("error: pulumi-ld-auditsubs is not a Pulumi provider plugin")
    assert "requirements.txt" in completed.stderr
    assert "Traceback" not in completed.stderr and "usage:" not in completed.stderr


@pytest.mark.parametrize("project_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_examples_require_a_cli_that_finds_the_plugin_json_of_an_editable_install(project_file: Path) -> None:
    project = yaml.safe_load(project_file.read_text())
    assert project["requiredPulumiVersion"] == ">=3.226.0"
    assert "-e ../.." in (project_file.parent / "requirements.txt").read_text()

"""What the Pulumi CLI reads from this repository: PulumiPlugin.yaml and the examples' Pulumi.yaml.

The CLI is not needed: these tests check the files against the fields the CLI's loaders accept
(``workspace.PluginProject``, ``workspace.Project`` in pulumi/pulumi) and run exactly what the Python
language host runs for a source plugin without a top-level ``__main__.py`` (``RunPlugin`` in
``sdk/python/cmd/pulumi-language-python/main.go``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.testing.plugin_process import PluginProcess

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PROJECT_FIELDS = {"runtime", "packages", "requiredPulumiVersion", "template"}
EXAMPLES = sorted((ROOT / "examples").glob("*/Pulumi.yaml"))
PYTHON_EXAMPLES = [p for p in EXAMPLES if "runtime: nodejs" not in p.read_text()]


def test_plugin_manifest_is_a_valid_python_plugin_project() -> None:
    manifest = yaml.safe_load((ROOT / "PulumiPlugin.yaml").read_text())
    assert isinstance(manifest, dict) and set(manifest) <= PLUGIN_PROJECT_FIELDS
    assert manifest["runtime"] == "python"
    # with no __main__.py the language host runs `python -m pulumi.run.plugin <pyproject name>`
    assert not (ROOT / "__main__.py").exists()
    assert 'name = "pulumi-ld-auditsubs"' in (ROOT / "pyproject.toml").read_text()


def test_running_the_repository_as_a_plugin_serves_the_provider(tmp_path: Path) -> None:
    """Exactly what the language host runs: the first stdout line is the port, then the provider answers."""
    with PluginProcess(cwd=tmp_path) as plugin:
        assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == __version__
        schema = json.loads(plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)
        assert schema["name"] == "ld-auditsubs"
    assert plugin.process.returncode is not None


def test_the_command_line_still_works_beside_the_plugin() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pulumi_ld_auditsubs", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0 and completed.stdout.strip() == f"pulumi-ld-auditsubs {__version__}"


@pytest.mark.parametrize("project_file", PYTHON_EXAMPLES, ids=lambda p: p.parent.name)
def test_examples_require_a_cli_that_finds_the_plugin_json_of_an_editable_install(project_file: Path) -> None:
    project = yaml.safe_load(project_file.read_text())
    assert project["requiredPulumiVersion"] == ">=3.226.0"
    assert "-e ../.." in (project_file.parent / "requirements.txt").read_text()

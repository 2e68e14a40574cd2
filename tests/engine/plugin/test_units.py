"""The exact shapes the engine hands a Node.js program and the plugin, without starting either."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi_ld_auditsubs.testing.engine.node_program import IGNORE_SIGINT, command, program_environment
from pulumi_ld_auditsubs.testing.engine.plugin_host import reference, split_reference
from pulumi_ld_auditsubs.testing.engine.program import EngineMonitor
from pulumi_ld_auditsubs.testing.engine.project import Project, StackConfig
from pulumi_ld_auditsubs.testing.engine.steps import Goal, Registered
from pulumi_ld_auditsubs.testing.engine.values import UNKNOWN, wrap_secret
from pulumi_ld_auditsubs.testing.plugin_process import _variable

CONFIG = StackConfig(
    values={
        "ld-auditsubs:accessToken": "api-x",
        "ld-auditsubs:apiHost": "http://127.0.0.1:1",
        "p:tags": "[1]",
    },
    secret_keys=frozenset({"ld-auditsubs:accessToken"}),
)


def test_node_program_is_started_as_the_nodejs_language_host_starts_it(tmp_path: Path) -> None:
    project = Project(name="p", directory=tmp_path, main=tmp_path, runtime="nodejs")
    args = command(
        "node", "/x/run/index.js", project, "dev", monitor="M", engine="E", preview=True, parallel=8
    )
    assert args == [
        "node", "--require", str(IGNORE_SIGINT), "/x/run/index.js",
        "--monitor", "M", "--engine", "E", "--organization", "organization",
        "--project", "p", "--root-directory", str(tmp_path), "--stack", "dev", "--pwd", str(tmp_path),
        "--dry-run", "--parallel", "8", ".",
    ]  # fmt: skip
    assert IGNORE_SIGINT.is_file()  # shipped with the package (package-data)
    assert "--dry-run" not in command(
        "node", "r", project, "dev", monitor="M", engine="E", preview=False, parallel=1
    )
    env = program_environment(CONFIG)
    # constructConfig: keys as <namespace>:config:<name>; constructConfigSecretKeys: as given
    assert json.loads(env["PULUMI_CONFIG"]) == {
        "ld-auditsubs:config:accessToken": "api-x",
        "ld-auditsubs:config:apiHost": "http://127.0.0.1:1",
        "p:config:tags": "[1]",
    }
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["ld-auditsubs:accessToken"]


class _Deployment:
    """Records the registrations the monitor makes (the default provider's)."""

    def __init__(self) -> None:
        self.goals: list[Goal] = []
        self.providers: Any = None

    def register(self, goal: Goal) -> Registered:
        self.goals.append(goal)
        return Registered(id="", outputs={})


def test_default_provider_is_registered_once_from_the_package_config() -> None:
    deployment = _Deployment()
    monitor = EngineMonitor(deployment, project="p", stack="dev", config=CONFIG)  # type: ignore[arg-type]
    # Target.GetPackageConfig: this namespace only, stripped, secrets wrapped
    assert monitor.package_config() == {"accessToken": wrap_secret("api-x"), "apiHost": "http://127.0.0.1:1"}
    urn = "urn:pulumi:dev::p::pulumi:providers:ld-auditsubs::default"
    assert (
        monitor.default_provider() == monitor.default_provider() == f"{urn}::{UNKNOWN}"
    )  # a preview: unknown ID
    assert [g.urn for g in deployment.goals] == [urn]
    # ProviderRequest.DefaultName: a requested version names its own default provider
    versioned = monitor.default_provider("1.2.3")
    assert split_reference(versioned)[0].endswith("::default_1_2_3")
    assert deployment.goals[-1].inputs["version"] == "1.2.3"


def test_references_and_configure_variables() -> None:
    urn = "urn:pulumi:dev::p::pulumi:providers:ld-auditsubs::eu"
    assert reference(urn, "") == f"{urn}::{UNKNOWN}" and split_reference(reference(urn, "id-1")) == (
        urn,
        "id-1",
    )
    # provider_plugin.go Configure: variables are strings as they are, anything else as JSON
    assert [_variable(v) for v in ("a", True, 30.0, 2.5, ["x"])] == ["a", "true", "30", "2.5", '["x"]']

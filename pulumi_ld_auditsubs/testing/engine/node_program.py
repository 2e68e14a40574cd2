"""Running a Pulumi JavaScript program (``runtime: nodejs``) as Pulumi's Node.js language host runs it.

``pulumi-language-nodejs`` (``sdk/nodejs/cmd/pulumi-language-nodejs/main.go`` in pulumi/pulumi)
resolves ``@pulumi/pulumi/cmd/run`` from the program's directory (``locateModule``) and starts
``node <run> --monitor ADDR --engine ADDR --organization O --project P --root-directory DIR
--stack S --pwd DIR [--dry-run] --parallel N <entry point>`` (``constructArguments``), with the
stack config in ``PULUMI_CONFIG`` as JSON keyed ``<namespace>:config:<name>`` (``constructConfig``)
and the secret keys in ``PULUMI_CONFIG_SECRET_KEYS`` (``constructConfigSecretKeys``). This module
does the same against a real resource monitor (:class:`~.monitor_server.MonitorServer`, serving
the same :class:`~.program.EngineMonitor` as the Python path) and the engine service the plugins
log to. The program uses its own ``node_modules/@pulumi/pulumi``; nothing is compiled (plain
JavaScript; TypeScript would need ``ts-node`` in the program, which the SDK loads itself).
What the program prints goes to stderr, as the CLI shows it among the diagnostics. The program
does not stop at the terminal's ^C (:data:`IGNORE_SIGINT`): the engine cancels the run itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from pulumi_ld_auditsubs.testing.engine.errors import EngineError
from pulumi_ld_auditsubs.testing.engine.monitor_server import MonitorServer
from pulumi_ld_auditsubs.testing.engine.program import EngineMonitor
from pulumi_ld_auditsubs.testing.engine.project import Project, StackConfig
from pulumi_ld_auditsubs.testing.engine.steps import Deployment
from pulumi_ld_auditsubs.testing.plugin_process import EngineLogServer

RUN_MODULE = "@pulumi/pulumi/cmd/run"
ORGANIZATION = "organization"
"""The organization the local engine reports (it has no backend), as the Python path does."""
IGNORE_SIGINT = Path(__file__).with_name("ignore_sigint.cjs")
"""Preloaded into the program: under the CLI the language host and the program run in a process
group of their own (``cmdutil.RegisterProcessGroup``), so a ^C reaches only the CLI."""
_RESOLVE = "process.stdout.write(require.resolve(process.argv[1], {paths: [process.argv[2]]}))"


def node_executable() -> str:
    """``node`` from PATH, or a message saying it is needed."""
    found = shutil.which("node")
    if found is None:
        raise EngineError("this program's runtime is nodejs, but `node` is not on PATH: install Node.js")
    return found


def locate_run(node: str, directory: str) -> str:
    """``@pulumi/pulumi/cmd/run`` as Node resolves it from the program's directory (``locateModule``)."""
    result = subprocess.run(
        [node, "-e", _RESOLVE, RUN_MODULE, directory], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not result.stdout:
        raise EngineError(
            f"cannot find {RUN_MODULE} from {directory}: the program needs its own @pulumi/pulumi "
            f"(run `npm install` in {directory})"
        )
    return result.stdout


def program_environment(config: StackConfig) -> dict[str, str]:
    """``PULUMI_CONFIG`` and ``PULUMI_CONFIG_SECRET_KEYS`` as the language host sets them."""
    values = {}
    for key, value in config.values.items():
        namespace, _, name = key.partition(":")
        values[f"{namespace}:config:{name}"] = value
    return {
        "PULUMI_CONFIG": json.dumps(values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(config.secret_keys)),
    }


def command(
    node: str,
    run: str,
    project: Project,
    stack: str,
    *,
    monitor: str,
    engine: str,
    preview: bool,
    parallel: int,
) -> list[str]:
    """The command line of ``constructArguments``, with :data:`IGNORE_SIGINT` preloaded."""
    entry = os.path.relpath(project.main, project.directory)
    args = [
        node,
        "--require",
        str(IGNORE_SIGINT),
        run,
        "--monitor",
        monitor,
        "--engine",
        engine,
        "--organization",
        ORGANIZATION,
    ]
    args += ["--project", project.name, "--root-directory", str(project.directory), "--stack", stack]
    args += ["--pwd", str(project.directory)]
    if preview:
        args.append("--dry-run")
    args += ["--parallel", str(parallel), entry]
    return args


def _pump(source: IO[str]) -> None:
    for line in iter(source.readline, ""):
        sys.stderr.write(line)
        sys.stderr.flush()


def run_node_program(
    project: Project,
    stack: str,
    config: StackConfig,
    deployment: Deployment,
    *,
    preview: bool,
    parallel: int,
    engine: EngineLogServer,
) -> dict[str, Any]:
    """Run the program once in ``node``; returns the stack outputs (secrets wrapped)."""
    node = node_executable()
    run = locate_run(node, str(project.directory))
    monitor = EngineMonitor(deployment, project=project.name, stack=stack, config=config)
    server = MonitorServer(monitor, workers=min(parallel, 256) + 8)
    try:
        process = subprocess.Popen(
            command(
                node,
                run,
                project,
                stack,
                monitor=server.address,
                engine=engine.address,
                preview=preview,
                parallel=parallel,
            ),
            cwd=project.directory,
            env={**os.environ, **program_environment(config)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        pump = threading.Thread(target=_pump, args=(process.stdout,), daemon=True)
        pump.start()
        code = process.wait()
        pump.join(timeout=10)
        process.stdout.close()
    finally:
        server.stop()
    if code != 0:
        raise EngineError(f"the Node.js program exited with code {code} (its output is above)")
    return monitor.stack_outputs

"""``pulumi-ld-auditsubs demo``: ``examples/quickstart`` end to end, with no account and no setup.

The demo starts the emulator in-process on a free port and runs the quickstart program's ``dev``
stack through preview, up, a config change (printing the JSON Patch the emulator received), a
preview that must show no changes, refresh and destroy; then it checks that the emulator is empty.

It drives the real Pulumi CLI when ``pulumi`` is on PATH (a temporary ``file://`` backend given by
``PULUMI_BACKEND_URL``, so the user's ``pulumi login`` is left alone, and a throwaway
``PULUMI_CONFIG_PASSPHRASE``), otherwise the local engine (``pulumi-ld-auditsubs local``). Either
way it works on a temporary copy of the example whose ``Pulumi.yaml`` points the Python runtime at
this interpreter's environment, so nothing is downloaded and the repository is not written to.

The token, the Datadog API key and the passphrase are throwaway values; every line the demo prints
goes through :func:`redact`, so none of them is ever shown.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from pulumi_ld_auditsubs.testing.emulator import Emulator, RecordedRequest
from pulumi_ld_auditsubs.testing.engine import LocalEngine

REPO_ROOT = Path(__file__).resolve().parents[2]
"""Where an editable install (``pip install -e .``) keeps ``examples/`` next to the package."""
QUICKSTART = Path(__file__).resolve().parents[1] / "data" / "quickstart"
"""The quickstart program shipped as package data (a copy of ``examples/quickstart``, kept identical
by a test), so the demo runs the same from a wheel as from a clone."""
EXAMPLE = "quickstart"
STACK = "dev"
DEMO_TOKEN = "api-demo-throwaway-4d1c7f0e"
"""The only token the embedded emulator accepts during the demo."""
DEMO_DATADOG_API_KEY = "dd-demo-throwaway-93b2e6a51f07"
DEMO_PASSPHRASE = "pulumi-ld-auditsubs-demo-passphrase"
SECRETS = (DEMO_TOKEN, DEMO_DATADOG_API_KEY, DEMO_PASSPHRASE)
CHANGED_KEY = "datadogSite"
CHANGED_VALUE = "https://us5.datadoghq.com"
"""Another allowed Datadog site (the stack file says ``https://api.datadoghq.eu``)."""
COMMAND_TIMEOUT_S = 600.0
_COPY_IGNORE = shutil.ignore_patterns("venv", ".venv", ".pulumi-local", "__pycache__", "*.pyc")


class DemoError(Exception):
    """A step failed or did not do what the demo expects; the message says which."""


def redact(text: str) -> str:
    """``text`` with every throwaway secret replaced by ``[secret]``."""
    for secret in SECRETS:
        text = text.replace(secret, "[secret]")
    return text


def find_example(name: str = EXAMPLE, root: Path | None = None) -> Path | None:
    """The packaged quickstart program (or ``<root>/examples/<name>`` given a root); None if absent."""
    directory = QUICKSTART if root is None and name == EXAMPLE else (root or REPO_ROOT) / "examples" / name
    if (directory / "Pulumi.yaml").is_file() and (directory / "__main__.py").is_file():
        return directory
    return None


def copy_program(example: Path, destination: Path) -> Path:
    """Copy ``example`` to ``destination`` and point its Python runtime at this interpreter.

    ``runtime.options.virtualenv`` becomes ``sys.prefix`` when that is a virtual environment (or
    any prefix with a ``python`` executable); otherwise the option is dropped and the caller sets
    ``PULUMI_PYTHON_CMD`` (see :func:`python_env`). ``-e ../..`` in ``requirements.txt`` becomes
    the absolute repository path, so the copy still names this checkout.
    """
    shutil.copytree(example, destination, ignore=_COPY_IGNORE)
    project_file = destination / "Pulumi.yaml"
    project: dict[str, Any] = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    runtime = project.get("runtime")
    if not isinstance(runtime, dict):
        runtime = {"name": str(runtime or "python")}
    options = dict(runtime.get("options") or {})
    venv = _interpreter_prefix()
    if venv is not None:
        options["virtualenv"] = str(venv)
    else:
        options.pop("virtualenv", None)
    runtime["options"] = options
    project["runtime"] = runtime
    project_file.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    requirements = destination / "requirements.txt"
    if requirements.is_file():
        lines = requirements.read_text(encoding="utf-8").splitlines()
        root = (example / ".." / "..").resolve()
        fixed = [f"-e {root}" if line.strip() == "-e ../.." else line for line in lines]
        requirements.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    return destination


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _interpreter_prefix() -> Path | None:
    """``sys.prefix`` if the Pulumi language host can use it as its ``virtualenv``."""
    prefix = Path(sys.prefix)
    candidates = (prefix / "bin" / "python", prefix / "Scripts" / "python.exe")
    return prefix if any(p.exists() for p in candidates) else None


def python_env() -> dict[str, str]:
    """``PULUMI_PYTHON_CMD`` for a copy whose ``Pulumi.yaml`` could not name a virtualenv."""
    return {} if _interpreter_prefix() is not None else {"PULUMI_PYTHON_CMD": sys.executable}


@dataclass(frozen=True)
class StepOutput:
    """What one command printed and how it ended."""

    command: str
    """The command line, for display (secrets already replaced)."""
    returncode: int
    output: str


class Driver(Protocol):
    """Runs the operations of one stack: the Pulumi CLI or the local engine."""

    def setup(self, api_host: str) -> list[StepOutput]:
        """Create the stack and give it the emulator's host, the token and the Datadog API key."""

    def set_config(self, key: str, value: str) -> list[StepOutput]:
        """Change one plain config value for the following operations."""

    def run(self, operation: str, *, expect_no_changes: bool = False) -> StepOutput:
        """``preview``, ``up``, ``refresh`` or ``destroy``, non-interactively."""


@dataclass
class LocalEngineDriver:
    """The local engine, one ``python -m pulumi_ld_auditsubs local`` process per operation."""

    program_dir: Path
    state_dir: Path
    config: dict[str, str] = field(default_factory=dict)

    def _engine(self) -> LocalEngine:
        env = {"PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE}
        return LocalEngine(
            self.program_dir,
            STACK,
            state_dir=self.state_dir,
            config=self.config,
            env=env,
            timeout=COMMAND_TIMEOUT_S,
        )

    def setup(self, api_host: str) -> list[StepOutput]:
        self.config.update(
            {
                "launchdarkly:apiHost": api_host,
                "launchdarkly:accessToken": DEMO_TOKEN,
                "datadogApiKey": DEMO_DATADOG_API_KEY,
            }
        )
        note = (
            "The local engine has no stack to create: each operation below gets the emulator's host, "
            "the token and the\nDatadog API key as --config values, and keeps the stack's state in "
            "state/dev.json, its secrets encrypted\nwith PULUMI_CONFIG_PASSPHRASE."
        )
        return [StepOutput("", 0, note)]

    def set_config(self, key: str, value: str) -> list[StepOutput]:
        self.config[key] = value
        return []

    def run(self, operation: str, *, expect_no_changes: bool = False) -> StepOutput:
        # Shown relative to the working directory the demo prints first; the run uses absolute paths.
        workdir = self.program_dir.parent
        command = f"pulumi-ld-auditsubs local {operation} {_relative(self.program_dir, workdir)}"
        command += f" --stack {STACK} --state-dir {_relative(self.state_dir, workdir)}"
        command += "".join(f" --config {key}={value}" for key, value in self.config.items())
        if expect_no_changes:
            command += " --expect-no-changes"
        try:
            result = self._engine().run(operation, expect_no_changes=expect_no_changes)
        except subprocess.TimeoutExpired as exc:
            raise DemoError(f"`local {operation}` did not finish within {exc.timeout:.0f} s") from exc
        return StepOutput(redact(command), result.returncode, redact(result.output))


@dataclass
class PulumiCliDriver:
    """The real ``pulumi`` CLI with a temporary ``file://`` backend and passphrase secrets."""

    pulumi: str
    program_dir: Path
    backend_dir: Path

    def _env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in (
                "LAUNCHDARKLY_ACCESS_TOKEN",
                "LAUNCHDARKLY_API_HOST",
                "PULUMI_CONFIG_PASSPHRASE_FILE",
                "PULUMI_STACK",
            )
        }
        env.update(
            {
                "PULUMI_BACKEND_URL": self.backend_dir.as_uri(),
                "PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                **python_env(),
            }
        )
        return env

    def _pulumi(self, *args: str) -> StepOutput:
        command = [self.pulumi, *args]
        shown = redact(" ".join(["pulumi", *args]))
        try:
            completed = subprocess.run(
                command,
                cwd=self.program_dir,
                env=self._env(),
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoError(f"`{shown}` did not finish within {exc.timeout:.0f} s") from exc
        return StepOutput(shown, completed.returncode, redact(completed.stdout + completed.stderr))

    def setup(self, api_host: str) -> list[StepOutput]:
        self.backend_dir.mkdir(parents=True, exist_ok=True)
        commands = [
            ("stack", "init", STACK, "--secrets-provider", "passphrase", "--non-interactive"),
            ("config", "set", "--stack", STACK, "launchdarkly:apiHost", api_host),
            ("config", "set", "--stack", STACK, "--secret", "launchdarkly:accessToken", DEMO_TOKEN),
            ("config", "set", "--stack", STACK, "--secret", "datadogApiKey", DEMO_DATADOG_API_KEY),
        ]
        done: list[StepOutput] = []
        for args in commands:
            done.append(self._pulumi(*args))
            if done[-1].returncode != 0:
                break
        return done

    def set_config(self, key: str, value: str) -> list[StepOutput]:
        return [self._pulumi("config", "set", "--stack", STACK, key, value)]

    def run(self, operation: str, *, expect_no_changes: bool = False) -> StepOutput:
        args = [operation, "--stack", STACK, "--non-interactive"]
        if operation != "preview":
            args.append("--yes")
        if operation == "refresh":
            # `refresh --yes` previews first and that preview reads every resource too: skip it, so
            # the step sends one GET per subscription, as the demo says
            args.append("--skip-preview")
        if expect_no_changes:
            args.append("--expect-no-changes")
        return self._pulumi(*args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``demo`` subcommand's arguments."""
    parser.add_argument(
        "--use-local-engine",
        action="store_true",
        help="use the local engine even when the pulumi CLI is on PATH",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (program copy and encrypted state) and print its path",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns 0 when every step did what it should."""
    example = find_example()
    if example is None:
        print(
            f"demo: the quickstart program is missing from the installed package (looked in "
            f"{QUICKSTART}); reinstall pulumi-ld-auditsubs",
            file=sys.stderr,
        )
        return 2
    pulumi = None if args.use_local_engine else shutil.which("pulumi")
    workdir = Path(tempfile.mkdtemp(prefix="ld-auditsubs-demo-"))
    try:
        program_dir = copy_program(example, workdir / EXAMPLE)
        driver: Driver
        if pulumi is not None:
            driver = PulumiCliDriver(pulumi, program_dir, workdir / "backend")
            mode = f"the pulumi CLI ({pulumi}) with a temporary file:// backend"
        else:
            driver = LocalEngineDriver(program_dir, workdir / "state")
            reason = "--use-local-engine" if args.use_local_engine else "no pulumi CLI on PATH"
            mode = f"the local engine ({reason})"
        with Emulator(tokens=(DEMO_TOKEN,)) as emulator:
            print(f"demo: using {mode} against the embedded LaunchDarkly emulator at {emulator.url}")
            _say(f"demo: program examples/{EXAMPLE}, stack {STACK}, working copy in {workdir}")
            run_steps(driver, emulator)
    except DemoError as exc:
        print(f"demo: FAILED: {redact(str(exc))}", file=sys.stderr, flush=True)
        return 1
    finally:
        if args.keep:
            _say(f"demo: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    _say("demo: OK - every step succeeded and the emulator holds no subscriptions")
    return 0


def run_steps(driver: Driver, emulator: Emulator) -> None:
    """The demo's steps; raises :class:`DemoError` on the first one that goes wrong."""
    total = 6
    _header(0, total, "setup: point the stack at the emulator, with a throwaway token and Datadog API key")
    for done in driver.setup(emulator.url):
        _show(done)
        _check(done, "setup")

    _header(1, total, "preview: what would be created (no API request is sent)")
    _step(driver, emulator, "preview")
    if emulator.requests:
        raise DemoError(f"preview sent {len(emulator.requests)} API request(s); it must send none")

    _header(2, total, "up: create the subscriptions")
    _step(driver, emulator, "up")
    created = sorted(s["kind"] for s in emulator.subscriptions())
    if created != ["datadog", "msteams"]:
        raise DemoError(f"up should have created a datadog and an msteams subscription, found {created}")

    _header(3, total, f"change {CHANGED_KEY} to {CHANGED_VALUE}, then up: one PATCH with only that field")
    for done in driver.set_config(CHANGED_KEY, CHANGED_VALUE):
        _show(done)
        _check(done, "config set")
    _step(driver, emulator, "up")
    patches = [r for r in emulator.requests if r.method == "PATCH"]
    if len(patches) != 1:
        raise DemoError(f"the change should have sent one PATCH, the emulator received {len(patches)}")
    _say("The JSON Patch the emulator received:")
    _say(f"    PATCH {patches[0].path}")
    for line in json.dumps(patches[0].body, indent=2).splitlines():
        _say(f"    {line}")

    _header(4, total, "preview --expect-no-changes: the stack matches the program")
    _step(driver, emulator, "preview", expect_no_changes=True)

    _header(5, total, "refresh: read every subscription back (one GET each)")
    _step(driver, emulator, "refresh")

    _header(6, total, "destroy: delete the subscriptions")
    _step(driver, emulator, "destroy")
    left = emulator.subscriptions()
    if left:
        raise DemoError(f"destroy left {len(left)} subscription(s) in the emulator")


def _step(driver: Driver, emulator: Emulator, operation: str, *, expect_no_changes: bool = False) -> None:
    emulator.clear_requests()
    done = driver.run(operation, expect_no_changes=expect_no_changes)
    _show(done)
    _say(f"LaunchDarkly API requests: {_describe_requests(emulator.requests)}")
    _check(done, operation)


def _check(done: StepOutput, what: str) -> None:
    if done.returncode != 0:
        raise DemoError(
            f"{what} failed (`{done.command}` exited with {done.returncode}); see its output above"
        )


def _describe_requests(requests: Sequence[RecordedRequest]) -> str:
    if not requests:
        return "none"
    return "; ".join(f"{r.method} {r.path} -> {r.status}" for r in requests)


def _header(number: int, total: int, title: str) -> None:
    _say()
    _say(f"== {number}/{total} {title}" if number else f"== {title}")


def _show(done: StepOutput) -> None:
    if done.command:
        _say(f"$ {done.command}")
    text = done.output.rstrip("\n")
    if text:
        _say(text)


def _say(text: str = "") -> None:
    print(redact(text), flush=True)

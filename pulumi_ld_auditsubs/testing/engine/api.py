"""``LocalEngine``: run local-engine operations from Python, each in its own process.

The Pulumi SDK keeps its runtime settings in process globals, so every operation runs as
``python -m pulumi_ld_auditsubs local ...`` in a fresh interpreter (the same one as the caller,
so the program and its dynamic providers see the same packages).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_ld_auditsubs.testing.engine.journal import replay
from pulumi_ld_auditsubs.testing.engine.project import env_var_for


@dataclass(frozen=True)
class LocalResult:
    """Outcome of one operation."""

    operation: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True if the operation succeeded."""
        return self.returncode == 0

    @property
    def output(self) -> str:
        """stdout followed by stderr."""
        return self.stdout + self.stderr

    def check(self) -> LocalResult:
        """Return self, or raise ``RuntimeError`` with the output if the operation failed."""
        if not self.ok:
            raise RuntimeError(f"local {self.operation} failed ({self.returncode}):\n{self.output}")
        return self


class LocalEngine:
    """Preview, update, refresh and destroy one stack of a Pulumi Python or JavaScript program, no CLI.

    ``config`` values are passed as ``--config KEY=VALUE``; ``secrets`` (values for the stack
    file's ``secure:`` keys) go through ``PULUMI_LOCAL_CONFIG_<KEY>`` environment variables so that
    they never appear on a command line.
    """

    def __init__(
        self,
        program_dir: str | Path,
        stack: str,
        *,
        state_dir: str | Path | None = None,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        timeout: float = 600.0,
    ) -> None:
        self.program_dir = Path(program_dir)
        self.stack = stack
        self.state_dir = Path(state_dir) if state_dir else self.program_dir / ".pulumi-local"
        self.config = dict(config or {})
        self.secrets = dict(secrets or {})
        self.env = dict(env or {})
        self.python = python or sys.executable
        self.timeout = timeout

    @property
    def state_file(self) -> Path:
        """The stack's state file."""
        return self.state_dir / f"{self.stack}.json"

    def command(
        self,
        operation: str,
        *,
        expect_no_changes: bool = False,
        config: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> list[str]:
        """The command line of one operation (``extra_args`` such as ``--parallel 2`` go last)."""
        command = [
            self.python,
            "-m",
            "pulumi_ld_auditsubs",
            "local",
            operation,
            str(self.program_dir),
            "--stack",
            self.stack,
            "--state-dir",
            str(self.state_dir),
        ]
        for key, value in {**self.config, **(config or {})}.items():
            command += ["--config", f"{key}={value}"]
        if expect_no_changes:
            command.append("--expect-no-changes")
        return [*command, *extra_args]

    def environment(self) -> dict[str, str]:
        """The environment an operation runs with (secrets as ``PULUMI_LOCAL_CONFIG_<KEY>``)."""
        env = {**os.environ, **self.env}
        env.update({env_var_for(key): value for key, value in self.secrets.items()})
        return env

    def run(
        self,
        operation: str,
        *,
        expect_no_changes: bool = False,
        config: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> LocalResult:
        """Run one operation (``preview``, ``up``, ``refresh`` or ``destroy``).

        ``extra_args`` are further command-line flags: ``--parallel N``, ``--continue-on-error``,
        ``--run-program``, ``--import-pending-creates URN ID``, ``--clear-pending-creates``.
        """
        command = self.command(
            operation, expect_no_changes=expect_no_changes, config=config, extra_args=extra_args
        )
        env = self.environment()
        completed = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=self.timeout, check=False
        )
        return LocalResult(operation, completed.returncode, completed.stdout, completed.stderr)

    def preview(self, **kwargs: Any) -> LocalResult:
        """``pulumi preview``."""
        return self.run("preview", **kwargs)

    def up(self, **kwargs: Any) -> LocalResult:
        """``pulumi up --yes``."""
        return self.run("up", **kwargs)

    def refresh(self, **kwargs: Any) -> LocalResult:
        """``pulumi refresh --yes``."""
        return self.run("refresh", **kwargs)

    def destroy(self, **kwargs: Any) -> LocalResult:
        """``pulumi destroy --yes``."""
        return self.run("destroy", **kwargs)

    def state(self) -> dict[str, Any]:
        """The raw state (secrets stay encrypted), or ``{}`` before the first ``up``.

        A journal left by a killed run is replayed onto the snapshot, as the engine does on load.
        """
        if not self.state_file.exists():
            return {}
        loaded: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        replay(loaded, self.state_file.with_suffix(".journal"))
        return loaded

"""Helpers of the local-engine tests: the toy provider's store and a runner for the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_ld_auditsubs.testing import LocalEngine, LocalResult

HERE = Path(__file__).parent
TOY_PATH = HERE / "toyprovider"
PROGRAM = HERE / "programs" / "records"
TOKEN = "tok-Zq81-do-not-leak"
TYPE = "pulumi-python:dynamic/toy:Record"


def line(op: str, name: str, diff: str = "") -> str:
    """The display line for one resource in a preview (an update also starts with it)."""
    return f"    {op} {TYPE} {name}" + (f" [diff: {diff}]" if diff else "")


PAST = {"+": "created", "~": "updated", "+-": "replaced", "-": "deleted", "=": "imported"}


def has_done(text: str, op: str, name: str, diff: str = "") -> bool:
    """Whether ``text`` has a finished operation's line: ``~ <type> a updated (0.27s) [diff: ~value]``."""
    pattern = rf"^    {re.escape(op)} {re.escape(TYPE)} {re.escape(name)} {PAST[op]} \(\d+\.\d+s\)"
    pattern += rf" \[diff: {re.escape(diff)}\]$" if diff else "$"
    return re.search(pattern, text, re.MULTILINE) is not None


def token_hash(token: str = TOKEN) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


class Toy:
    """One stack of the records program, with the toy provider's store beside it."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None, program: Path = PROGRAM) -> None:
        self.store = tmp_path / "store.json"
        pythonpath = os.pathsep.join(p for p in (str(TOY_PATH), os.environ.get("PYTHONPATH", "")) if p)
        self.engine = LocalEngine(
            program,
            "dev",
            state_dir=tmp_path / "state",
            config={"toy:store": str(self.store)},
            env={"PYTHONPATH": pythonpath, **(env or {})},
        )
        self._mark = 0

    def run(
        self,
        operation: str,
        records: list[dict[str, Any]] | None = None,
        *,
        token: str | None = TOKEN,
        token_via_config: bool = False,
        expect_no_changes: bool = False,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ) -> LocalResult:
        """Run one operation; ``records`` is the program's `records` config."""
        self._mark = len(self.log())
        config = {"records": json.dumps(records or [])}
        saved_secrets, saved_env = self.engine.secrets, self.engine.env
        if token is not None and token_via_config:
            config["token"] = token
        elif token is not None:
            self.engine.secrets = {"toyprog:token": token}
        else:
            self.engine.secrets = {}
        self.engine.env = {**saved_env, **(env or {})}
        try:
            return self.engine.run(
                operation, config=config, expect_no_changes=expect_no_changes, extra_args=extra_args or []
            )
        finally:
            self.engine.secrets, self.engine.env = saved_secrets, saved_env

    def data(self) -> dict[str, Any]:
        if not self.store.exists():
            return {"records": {}, "log": []}
        loaded: dict[str, Any] = json.loads(self.store.read_text())
        return loaded

    def log(self) -> list[dict[str, Any]]:
        return list(self.data()["log"])

    def calls(self) -> list[tuple[str, str]]:
        """(method, resource name) of the provider calls made by the last run."""
        return [(entry["method"], entry["name"]) for entry in self.log()[self._mark :]]

    def entries(self) -> list[dict[str, Any]]:
        """The full log entries of the last run."""
        return self.log()[self._mark :]

    def records(self) -> dict[str, dict[str, Any]]:
        return dict(self.data()["records"])

    def tamper(self, change: Callable[[dict[str, dict[str, Any]]], None]) -> None:
        """Change the provider's records out of band."""
        data = self.data()
        change(data["records"])
        self.store.write_text(json.dumps(data))

    def state(self) -> dict[str, Any]:
        return self.engine.state()

    def resources(self) -> dict[str, dict[str, Any]]:
        """State resources by name (live ones only)."""
        return {
            r["urn"].rsplit("::", 1)[-1]: r
            for r in self.state().get("resources", [])
            if not r["pending_delete"]
        }

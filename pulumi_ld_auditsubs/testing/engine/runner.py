"""One operation end to end: load project, config and state, run the steps, print, return the exit code.

Call :func:`run_operation` once per process: the program runs in-process and the Pulumi SDK keeps
its runtime settings in globals. (:class:`~pulumi_ld_auditsubs.testing.engine.api.LocalEngine`
runs each operation in a fresh ``python -m pulumi_ld_auditsubs local`` process for that reason.)
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from pulumi_ld_auditsubs.testing.engine.display import Display
from pulumi_ld_auditsubs.testing.engine.errors import EngineError
from pulumi_ld_auditsubs.testing.engine.program import run_program
from pulumi_ld_auditsubs.testing.engine.project import load_project, load_stack_config
from pulumi_ld_auditsubs.testing.engine.provider_host import DynamicProviderHost, ProviderRegistry
from pulumi_ld_auditsubs.testing.engine.state import StateStore
from pulumi_ld_auditsubs.testing.engine.steps import Deployment

OPERATIONS = ("preview", "up", "refresh", "destroy")
DEFAULT_STATE_DIR = ".pulumi-local"
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def run_operation(
    operation: str,
    program_dir: str | Path,
    *,
    stack: str,
    state_dir: str | Path | None = None,
    config: Mapping[str, str] | None = None,
    expect_no_changes: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``operation`` (preview, up, refresh or destroy) on one stack; returns 0 on success."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
    stack = stack.rsplit("/", 1)[-1]  # org/project/stack -> stack
    display = Display(operation, stack, out, err)
    if not _STACK_NAME.fullmatch(stack):
        display.error(f"invalid stack name {stack!r}: use letters, digits, '-', '_' and '.'")
        return 1
    try:
        project = load_project(Path(program_dir))
        store = StateStore(Path(state_dir) if state_dir else project.directory / DEFAULT_STATE_DIR, stack)
        state = store.load(project.name)
        stack_config = load_stack_config(project, stack, config)
    except EngineError as exc:
        display.error(str(exc))
        return 1
    host = DynamicProviderHost(
        project=project.name,
        stack=stack,
        directory=project.directory,
        config=stack_config.with_secrets_wrapped(),
        runtime_options=project.runtime_options,
    )
    deployment = Deployment(
        state, ProviderRegistry(host), preview=operation == "preview", on_event=display.event, save=store.save
    )
    display.header()
    outputs: dict[str, Any] = {}
    failure: str | None = None
    try:
        if operation in ("preview", "up"):
            outputs = run_program(project, stack, stack_config, deployment, preview=operation == "preview")
            deployment.finish()
            if operation == "up":
                state.outputs = outputs
                store.save(state)
        elif operation == "refresh":
            deployment.refresh()
        else:
            deployment.destroy()
    except Exception as exc:
        failure = _describe(exc, deployment.error, project.directory)
    finally:
        host.close()
    if failure is None and operation in ("preview", "up"):
        display.outputs(outputs)
    display.summary(deployment.events)
    if failure is not None:
        display.error(failure)
        return 1
    if expect_no_changes and deployment.has_changes:
        verb = "proposed" if operation == "preview" else "occurred"
        display.error(f"no changes were expected but changes {verb}")
        return 1
    return 0


def _describe(exc: BaseException, step_error: Exception | None, program_dir: Path) -> str:
    """The message for a failed operation: the failing step's own message, else the program's."""
    if step_error is not None:
        return str(step_error)
    if isinstance(exc, EngineError):
        return str(exc)
    # Start the traceback at the program's first frame: the engine and SDK frames above it are noise.
    tb = exc.__traceback__
    while tb is not None and not Path(tb.tb_frame.f_code.co_filename).is_relative_to(program_dir):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    return "Program failed with an unhandled exception:\n" + text.rstrip()

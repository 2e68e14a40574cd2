"""One operation end to end: load project, config and state, run the steps, print, return the exit code.

Call :func:`run_operation` once per process: the program runs in-process and the Pulumi SDK keeps
its runtime settings in globals. (:class:`~pulumi_ld_auditsubs.testing.engine.api.LocalEngine`
runs each operation in a fresh ``python -m pulumi_ld_auditsubs local`` process for that reason.)

Ctrl-C (:mod:`.interrupts`): the first cancels (no new step, the ones in flight finish and are
saved, ``error: update canceled``), the second prints each operation in flight as interrupted,
stops the provider processes and exits at once, leaving the journal as a SIGKILL would (a create in
flight stays a pending operation). Either way the exit code is :data:`EXIT_CANCELLED`.

While an operation runs, :data:`~pulumi_ld_auditsubs.errors.LOCAL_ENGINE_ENV` is set in the
environment (so in every provider process's): messages that tell a user how to set config name
the local engine's ``--config KEY=VALUE`` beside ``pulumi config set``.
"""

from __future__ import annotations

import os
import re
import shlex
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import pulumi

from pulumi_ld_auditsubs.errors import LOCAL_ENGINE_ENV
from pulumi_ld_auditsubs.testing.engine.display import Display
from pulumi_ld_auditsubs.testing.engine.errors import EngineError
from pulumi_ld_auditsubs.testing.engine.interrupts import EXIT_CANCELLED, Interrupts, RunControl
from pulumi_ld_auditsubs.testing.engine.node_program import run_node_program
from pulumi_ld_auditsubs.testing.engine.plugin_host import PluginProviders, is_provider_type
from pulumi_ld_auditsubs.testing.engine.program import run_program
from pulumi_ld_auditsubs.testing.engine.project import env_var_for, load_project, load_stack_config
from pulumi_ld_auditsubs.testing.engine.provider_host import DynamicProviderHost, ProviderRegistry
from pulumi_ld_auditsubs.testing.engine.state import PendingOperation, StackState, StateStore
from pulumi_ld_auditsubs.testing.engine.steps import (
    DEFAULT_PARALLEL,
    Deployment,
    DeploymentCancelled,
    StepEvent,
)

OPERATIONS = ("preview", "up", "refresh", "destroy")
DEFAULT_STATE_DIR = ".pulumi-local"
CANCELED = "update canceled"
"""The CLI's error for a cancelled deployment, refresh and destroy included (``deployment_executor.go``)."""
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@contextmanager
def _local_engine_marker() -> Iterator[None]:
    previous = os.environ.get(LOCAL_ENGINE_ENV)
    os.environ[LOCAL_ENGINE_ENV] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(LOCAL_ENGINE_ENV, None)
        else:
            os.environ[LOCAL_ENGINE_ENV] = previous


def run_operation(
    operation: str,
    program_dir: str | Path,
    *,
    stack: str,
    state_dir: str | Path | None = None,
    config: Mapping[str, str] | None = None,
    expect_no_changes: bool = False,
    parallel: int = DEFAULT_PARALLEL,
    continue_on_error: bool = False,
    run_program_too: bool = False,
    import_pending_creates: Sequence[tuple[str, str]] = (),
    clear_pending_creates: bool = False,
    diff: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``operation`` (preview, up, refresh or destroy) on one stack; returns 0 on success.

    ``run_program_too`` is ``--run-program`` of refresh and destroy: without it they configure the
    provider with the stack config recorded at the last ``up``, as ``pulumi refresh``/``destroy``
    rebuild the default provider from its state (``providers/registry.go``, ``Registry.Same``).
    ``diff`` is ``--diff``: each changed property path with old and new values (:mod:`.display`).
    """
    control = RunControl()
    with _local_engine_marker(), Interrupts(control.cancel, control.terminate):
        code = _run(
            operation,
            program_dir,
            stack=stack,
            state_dir=state_dir,
            config=config,
            expect_no_changes=expect_no_changes,
            parallel=parallel,
            continue_on_error=continue_on_error,
            run_program_too=run_program_too,
            import_pending_creates=import_pending_creates,
            clear_pending_creates=clear_pending_creates,
            diff=diff,
            out=out,
            err=err,
            control=control,
        )
    return EXIT_CANCELLED if control.cancelled else code


def _run(
    operation: str,
    program_dir: str | Path,
    *,
    stack: str,
    state_dir: str | Path | None,
    config: Mapping[str, str] | None,
    expect_no_changes: bool,
    parallel: int,
    continue_on_error: bool,
    run_program_too: bool,
    import_pending_creates: Sequence[tuple[str, str]],
    clear_pending_creates: bool,
    diff: bool,
    out: TextIO | None,
    err: TextIO | None,
    control: RunControl,
) -> int:
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
    stack = stack.rsplit("/", 1)[-1]  # org/project/stack -> stack
    display = Display(operation, stack, out, err, diff=diff)
    if not _STACK_NAME.fullmatch(stack):
        display.error(f"invalid stack name {stack!r}: use letters, digits, '-', '_' and '.'")
        return 1
    preview = operation == "preview"
    try:
        project = load_project(Path(program_dir))
        store = StateStore(Path(state_dir) if state_dir else project.directory / DEFAULT_STATE_DIR, stack)
        state = store.load(project.name)
        # Refresh and destroy configure the provider with the config recorded at the last `up`
        # (below): they need no `secure:` value of the program then, as `pulumi refresh` needs none.
        recorded = operation in ("refresh", "destroy") and not run_program_too
        needs_current = not recorded or (state.provider_config is None and bool(state.resources))
        stack_config = load_stack_config(project, stack, config, require_secure=needs_current)
    except EngineError as exc:
        display.error(str(exc))
        return 1
    resolving = operation == "refresh" and bool(import_pending_creates or clear_pending_creates)
    if state.pending and not resolving:
        message = pending_creates_message(state.pending, _refresh_command(program_dir, stack, state_dir))
        if not preview:
            display.error(message)
            return 1
        display.warning(message)
    current = stack_config.with_secrets_wrapped()
    stored = recorded and state.provider_config is not None
    host = DynamicProviderHost(
        project=project.name,
        stack=stack,
        directory=project.directory,
        config=state.provider_config if stored and state.provider_config is not None else current,
        runtime_options=project.runtime_options,
    )
    plugins = PluginProviders(
        directory=project.directory,
        load_state=partial(_recorded_provider, state),
        on_log=display.diagnostic,
        preview=preview,
    )
    deployment = Deployment(
        state,
        ProviderRegistry(host, plugins),
        preview=preview,
        on_event=lambda event: None if _hidden(event) else display.event(event),
        recorder=None if preview else store,
        parallel=parallel,
        continue_on_error=continue_on_error,
        on_start=display.start,
    )

    control.add_process(host)
    control.add_process(plugins)
    control.attach(display, deployment)
    display.header()
    outputs: dict[str, Any] = {}
    failure: BaseException | None = None
    try:
        if operation == "up" and state.provider_config != current:
            # Recorded like the default provider's inputs in Pulumi's state; only `up` records it.
            state.provider_config = current
            store.append(state, [{"op": "provider_config", "config": store.encode_provider_config(current)}])
        if operation in ("preview", "up"):
            if project.runtime == "nodejs":
                outputs = run_node_program(
                    project,
                    stack,
                    stack_config,
                    deployment,
                    preview=preview,
                    parallel=deployment.parallel,
                    engine=plugins.engine,
                )
            else:
                outputs = run_program(
                    project, stack, stack_config, deployment, preview=preview, parallel=deployment.parallel
                )
            deployment.wait_idle()
            if (not deployment.errors or continue_on_error) and not deployment.cancelled:
                deployment.finish()
            if operation == "up" and not deployment.errors and not deployment.cancelled:
                state.outputs = outputs
        elif operation == "refresh":
            if resolving:
                imports = dict(import_pending_creates)
                for urn in deployment.resolve_pending(imports, clear_pending_creates):
                    display.warning(f'"{urn}" did not correspond to a pending create')
            deployment.refresh()
        else:
            deployment.destroy()
    except Exception as exc:
        # After a ^C the program fails where a registration was refused: that is the cancel itself.
        failure = None if deployment.cancelled and _caused_by_cancel(exc) else exc
    finally:
        deployment.wait_idle()
        host.close()
        plugins.close()
        if not preview:
            try:
                store.save(state)  # the snapshot: every finished step, nothing half done
            except OSError as exc:
                display.error(f"cannot write {store.path}: {exc}")
                return 1
    cancelled = deployment.cancelled
    if failure is None and not deployment.errors and not cancelled and operation in ("preview", "up"):
        display.outputs(outputs)
    display.failures(deployment.errors)
    shown = [e for e in deployment.events if not _hidden(e)]
    display.summary(shown, deployment.errors, failed=failure is not None or cancelled)
    messages = [str(e) for e in deployment.errors]
    if not messages and failure is not None:
        messages = [_describe(failure, project.directory)]
    if cancelled:
        messages.append(CANCELED)
    if messages:
        for message in messages:
            display.error(message)
        return EXIT_CANCELLED if cancelled else 1
    if expect_no_changes and deployment.has_changes:
        verb = "proposed" if operation == "preview" else "occurred"
        display.error(f"no changes were expected but changes {verb}")
        return 1
    return 0


def _hidden(event: StepEvent) -> bool:
    """Default providers are not shown or counted, as in the CLI's display (explicit ones are)."""
    return is_provider_type(event.type) and event.name.split("_", 1)[0] == "default"


def _recorded_provider(state: StackState, urn: str, id_: str) -> dict[str, Any] | None:
    """The recorded inputs of the provider resource ``urn`` with ID ``id_`` (refresh, destroy)."""
    found = next((r for r in state.resources if r.urn == urn and r.id == id_), None)
    return None if found is None else found.inputs


def _refresh_command(program_dir: str | Path, stack: str, state_dir: str | Path | None) -> str:
    command = (
        f"pulumi-ld-auditsubs local refresh {shlex.quote(str(program_dir))} --stack {shlex.quote(stack)}"
    )
    if state_dir is not None:
        command += f" --state-dir {shlex.quote(str(state_dir))}"
    return command


def pending_creates_message(pending: Sequence[PendingOperation], refresh: str) -> str:
    """What to do about creates a killed run left in flight (never silently create a second copy)."""
    lines = [
        f"{len(pending)} create(s) were interrupted in an earlier run: the engine stopped while the "
        "provider was creating them, so whether they exist is unknown:"
    ]
    lines += [f"  {p.urn} (started {p.started})" for p in pending]
    lines += [
        "Nothing runs until each is resolved, so that no second copy is created. Look for what the "
        "create made (made at about the time shown; a LaunchDarkly subscription's ID is "
        "<integrationKey>/<_id>, and its _id starts with its creation time in hex), then:",
        f"  if it exists:         {refresh} --import-pending-creates <URN> <ID>",
        f"  if it does not exist: {refresh} --clear-pending-creates",
    ]
    return "\n".join(lines)


def _caused_by_cancel(exc: BaseException) -> bool:
    """Whether ``exc`` is a refused registration, or was raised while handling one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DeploymentCancelled):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _describe(exc: BaseException, program_dir: Path) -> str:
    """The message for a failed operation that no step reported: the engine's, or the program's.

    A Pulumi config error is one line, as the CLI's language host prints a ``pulumi.RunError``
    without a traceback (``pulumi/runtime/stack.py``); a missing key also says how to supply it
    here. A ``ConfigTypeError`` never repeats the value (it may be a secret).
    """
    if isinstance(exc, EngineError):
        return str(exc)
    if isinstance(exc, pulumi.ConfigMissingError):
        return (
            f"Missing required configuration variable '{exc.key}': pass --config {exc.key}=<value> or set "
            f"the environment variable {env_var_for(exc.key)} (with the Pulumi CLI: pulumi config set"
            f"{' --secret' if exc.secret else ''} {exc.key} <value>)"
        )
    if isinstance(exc, pulumi.ConfigTypeError):
        return f"Configuration '{exc.key}' value is not a valid {exc.expect_type}"
    if isinstance(exc, pulumi.RunError):
        return " ".join(str(exc).split())
    # Start the traceback at the program's first frame: the engine and SDK frames above it are noise.
    tb = exc.__traceback__
    while tb is not None and not Path(tb.tb_frame.f_code.co_filename).is_relative_to(program_dir):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    return "Program failed with an unhandled exception:\n" + text.rstrip()

"""What an operation prints, in the shape of the Pulumi CLI's non-interactive output.

::

    Updating (dev):
        + pulumi-python:dynamic/launchdarkly:AuditLogSubscription datadog creating (0s)
        ~ pulumi-python:dynamic/launchdarkly:AuditLogSubscription slack updating (0s)
        ~ pulumi-python:dynamic/launchdarkly:AuditLogSubscription slack updated (0.42s) [diff: ~config,on]
        + pulumi-python:dynamic/launchdarkly:AuditLogSubscription datadog created (6.1s)
        +- pulumi-python:dynamic/launchdarkly:AuditLogSubscription ms replacing (0s)
        +- pulumi-python:dynamic/launchdarkly:AuditLogSubscription ms replaced (1.3s) [diff: ~integrationKey]
        - pulumi-python:dynamic/launchdarkly:AuditLogSubscription old deleting (0s)
        - pulumi-python:dynamic/launchdarkly:AuditLogSubscription old deleted (0.51s)

    Outputs:
        subscriptionId: "64f0c1..."
        apiKey: [secret]

    Resources:
        + 1 created
        ~ 1 updated
        +-1 replaced
        - 1 deleted
        2 unchanged

Outside a preview, each provider operation is printed when it starts (``creating``, ``updating``,
``replacing``, ``deleting``, ``refreshing``, ``importing``) and when it ends, with the past-tense
verb and its duration, as the CLI's non-interactive display prints a row each time a step starts
and finishes (``getStepInProgressOpText`` and ``getStepDoneDescription`` in
``pkg/backend/display/progress.go``; the CLI shows whole seconds from 1 s up, this one tenths, so
that a 6.9 s wait does not read as 6 s). Every line is flushed, so a long create is visible while it
runs. A refresh also ends each read of an unchanged resource (``refreshed``); otherwise unchanged
resources get no line, and a preview prints one line per resource when its step has finished.
Steps run in parallel, so lines come in completion order, as with the CLI. ``=`` marks a pending
create imported by ``refresh --import-pending-creates``. A second ^C prints each operation still
in flight as ``creating (interrupted)`` (``getStepInterruptedDescription``). Without ``--diff``
values are never printed for resources, only property names; with it each resource line is
followed by its changed property paths and values (:mod:`.property_diff`, secrets as ``[secret]``)::

    ~ pulumi-python:dynamic/launchdarkly:AuditLogSubscription dd-all [diff: ~config,tags]
      ~ config.apiKey: [secret] => [secret]
      ~ config.hostURL: "https://api.datadoghq.com" => "https://us5.datadoghq.com"
      + tags[2]: "team-a"

Stack outputs are printed as JSON with secrets as ``[secret]`` and preview unknowns as
``[unknown]``. Errors go to stderr as ``error: ...``. A failed run lists each resource whose step
failed (``**creating failed**``) and ends its summary with ``N errored`` instead of an unchanged
count that would read as "nothing happened" (``renderSummaryEvent`` in pulumi/pulumi's
``pkg/backend/display/diff.go`` prints the same ``errored`` line).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from pulumi_ld_auditsubs.testing.engine.errors import ProtectedError, ProviderError
from pulumi_ld_auditsubs.testing.engine.interrupts import CANCELLING, ORPHANS_NOTE, TERMINATING
from pulumi_ld_auditsubs.testing.engine.property_diff import diff_lines
from pulumi_ld_auditsubs.testing.engine.steps import Op, StepEvent, StepStart
from pulumi_ld_auditsubs.testing.engine.values import UNKNOWN, is_secret

HEADERS = {
    "preview": "Previewing update ({stack}):",
    "up": "Updating ({stack}):",
    "refresh": "Refreshing ({stack}):",
    "destroy": "Destroying ({stack}):",
}
_SUMMARY_ORDER = (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE, Op.IMPORT)
_PREFIX = {Op.CREATE: "+ ", Op.UPDATE: "~ ", Op.REPLACE: "+-", Op.DELETE: "- ", Op.IMPORT: "= "}
_PAST = {
    Op.CREATE: "created",
    Op.UPDATE: "updated",
    Op.REPLACE: "replaced",
    Op.DELETE: "deleted",
    Op.IMPORT: "imported",
}
_FUTURE = {
    Op.CREATE: "create",
    Op.UPDATE: "update",
    Op.REPLACE: "replace",
    Op.DELETE: "delete",
    Op.IMPORT: "import",
}
_FAILED = {
    "Create": ("+ ", "creating"),
    "Update": ("~ ", "updating"),
    "Delete": ("- ", "deleting"),
    "Read": ("  ", "reading"),
    "Check": ("  ", "checking"),
    "Diff": ("  ", "diffing"),
}
_DETAILED = (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE)
_PROTECTED_URN = re.compile(r'resource "([^"]+)"')


def format_duration(seconds: float) -> str:
    """``0.42s`` under a second (as the CLI), else tenths: ``6.1s``."""
    return f"{seconds:.2f}s" if seconds < 1 else f"{seconds:.1f}s"


def render_value(value: Any) -> str:
    """JSON text of an output value with secrets as ``[secret]`` and unknowns as ``[unknown]``."""
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {render_value(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)


class Display:
    """Prints one operation's progress and summary."""

    def __init__(
        self,
        operation: str,
        stack: str,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        diff: bool = False,
    ) -> None:
        self.operation = operation
        self.stack = stack
        self.diff = diff
        """``--diff``: each changed property path with its old and new values under the resource."""
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._finished = 0
        self._counter_shown = False
        isatty = getattr(self.out, "isatty", None)
        self._tty = bool(isatty and isatty())

    def _print(self, text: str = "") -> None:
        self._clear_counter()
        print(text, file=self.out, flush=True)

    def _clear_counter(self) -> None:
        if self._counter_shown:
            self.out.write("\r\x1b[K")
            self._counter_shown = False

    def _show_counter(self) -> None:
        """On a terminal only, a transient ``N resources done`` line under the finished ones."""
        if self._tty:
            self.out.write(f"\r\x1b[K    ({self._finished} done)")
            self.out.flush()
            self._counter_shown = True

    def header(self) -> None:
        """``Updating (dev):`` and the like."""
        self._print(HEADERS[self.operation].format(stack=self.stack))

    def start(self, start: StepStart) -> None:
        """A provider operation starts: ``+ <type> <name> creating (0s)`` (nothing in a preview)."""
        if self.operation != "preview":
            # The CLI's in-progress row shows the whole seconds elapsed, so it starts at "(0s)".
            self._print(f"    {start.op.value} {start.type} {start.name} {start.verb} (0s)")
            self._show_counter()

    def event(self, event: StepEvent) -> None:
        """One line per resource that changes, when its step has finished; then the counter."""
        self._finished += 1
        preview = self.operation == "preview"
        if event.op is Op.SAME and (preview or event.duration is None):
            self._show_counter()
            return
        line = f"    {event.op.value} {event.type} {event.name}"
        if not preview:
            line += " refreshed" if event.op is Op.SAME else f" {_PAST[event.op]}"
            if event.duration is not None:
                line += f" ({format_duration(event.duration)})"
        if event.diff:
            line += f" [diff: {event.diff.render()}]"
        self._print(line)
        if self.diff and event.op in _DETAILED and (event.olds is not None or event.news is not None):
            for detail in diff_lines(event.olds, event.news, event.replaces):
                self._print(detail)
        self._show_counter()

    def cancelling(self) -> None:
        """The first ^C, in the CLI's words (with its warning about terminating, outside a preview)."""
        self._print(CANCELLING)
        if self.operation != "preview":
            self._print(ORPHANS_NOTE)

    def terminating(self, running: Sequence[StepStart]) -> None:
        """The second ^C: each operation still in flight is abandoned."""
        self._print(TERMINATING)
        for start in running:
            self._print(f"    {start.op.value} {start.type} {start.name} {start.verb} (interrupted)")

    def outputs(self, outputs: Mapping[str, Any]) -> None:
        """The stack outputs, secrets as ``[secret]``."""
        if not outputs:
            return
        self._print()
        self._print("Outputs:")
        for key in sorted(outputs):
            self._print(f"    {key}: {render_value(outputs[key])}")

    def failures(self, errors: Sequence[Exception]) -> None:
        """One line per resource whose step failed, as the CLI's ``**creating failed**`` rows."""
        for urn, (prefix, verb) in failed_resources(errors).items():
            parts = urn.split("::")
            subject = f"{parts[-2].rsplit('$', 1)[-1]} {parts[-1]}" if len(parts) >= 4 else urn
            self._print(f"    {prefix}{subject} **{verb} failed**")

    def summary(
        self, events: Sequence[StepEvent], errors: Sequence[Exception] = (), failed: bool = False
    ) -> None:
        """``Resources:`` with one count per kind of change, the unchanged count, then what errored.

        A failed run (``errors``, or ``failed`` for a failure no step reported, such as the program's)
        never prints ``0 unchanged``: it reads as "nothing happened" when something may have.
        """
        counts = Counter(e.op for e in events)
        words = _FUTURE if self.operation == "preview" else _PAST
        prefix = "to " if self.operation == "preview" else ""
        failed = failed or bool(errors)
        self._print()
        self._print("Resources:")
        for op in _SUMMARY_ORDER:
            if counts[op]:
                self._print(f"    {_PREFIX[op]}{counts[op]} {prefix}{words[op]}")
        if counts[Op.SAME] or not (events or failed):
            self._print(f"    {counts[Op.SAME]} unchanged")
        errored = len(failed_resources(errors)) + sum(1 for e in errors if _failed_urn(e) is None)
        if errored:
            self._print(f"    {errored} errored")
        elif failed and not any(counts[op] for op in _SUMMARY_ORDER) and not counts[Op.SAME]:
            self._print("    nothing changed: the run failed before any resource step")

    def error(self, message: str) -> None:
        """An error, on stderr."""
        self._clear_counter()
        print(f"error: {message}", file=self.err, flush=True)

    def warning(self, message: str) -> None:
        """A warning, on stderr."""
        self._clear_counter()
        print(f"warning: {message}", file=self.err, flush=True)

    def diagnostic(self, severity: str, message: str) -> None:
        """A line a provider plugin or a program logged (``info``, ``warning``, ``error``), on stderr,
        as the CLI shows diagnostics; ``debug`` lines are shown only with ``-v``, so not here."""
        if severity == "debug":
            return
        self._clear_counter()
        print(f"{severity}: {message}", file=self.err, flush=True)


def _failed_urn(error: Exception) -> str | None:
    if isinstance(error, ProviderError):
        return error.urn
    if isinstance(error, ProtectedError):
        match = _PROTECTED_URN.search(str(error))
        return match.group(1) if match else None
    return None


def failed_resources(errors: Sequence[Exception]) -> dict[str, tuple[str, str]]:
    """URN -> (display prefix, verb) of each resource whose step failed, first failure first."""
    failed: dict[str, tuple[str, str]] = {}
    for error in errors:
        urn = _failed_urn(error)
        if urn is None or urn in failed:
            continue
        if isinstance(error, ProviderError):
            failed[urn] = _FAILED.get(error.method, ("  ", error.method.lower()))
        else:
            verb = "replacing" if "unable to replace" in str(error) else "deleting"
            failed[urn] = ("+-" if verb == "replacing" else "- ", verb)
    return failed

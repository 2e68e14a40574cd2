"""The engine's step logic: what to do with each registered resource, and with the ones left over.

Each step follows ``pkg/resource/deploy/step_generator.go`` (``generateSteps``) of pulumi/pulumi:

1. ignored input paths get their old values back (``ignore_changes``);
2. ``Check(olds=old inputs or {}, news=program inputs)``; failures stop the step;
3. for a resource already in state, ``Diff(id, olds=old outputs, news=checked inputs, old_inputs)``;
   ``DIFF_UNKNOWN`` falls back to comparing old and new inputs (``diffResource``), which is also the
   only case in which ``replace_on_changes`` can see which properties changed;
4. create, update, same, or replace: a replacement first runs ``Check`` again on the program's raw
   inputs with no olds (before ``ignore_changes``), and is refused only when the resource is
   protected both in state and in the program; it is create-before-delete (the old one deleted
   after the program) unless ``delete_before_replace``.

Steps run in parallel, as the engine's step executor runs them (``step_executor.go``): the program
registers a resource as soon as its dependencies are done, and up to ``parallel`` provider calls
run at once. The deployment lock is held only while state is changed, never across a provider call.
A failure stops new steps (unless ``continue_on_error``), steps in flight finish and are recorded,
and every failure is kept in :attr:`Deployment.errors`. Deletes run in reverse dependency order,
in parallel; a refused delete of a protected resource does not stop the others (as in
``cancelDueToError``). Refresh reads every resource in parallel, pending-delete ones included, and
judges drift with the provider's own ``Diff`` (``step.go``, ``RefreshStep.Apply``).

Each provider operation that changes or reads a resource (create, update, replace, delete, the
read of a refresh) is announced when it starts (:class:`StepStart`) and its :class:`StepEvent`
carries its duration, as the CLI's display times each step. :meth:`Deployment.cancel` (the first
^C) makes every operation that has not started yet fail with :class:`DeploymentCancelled` and
start nothing, while the ones in flight finish and are recorded, as a cancelled context stops the
step executor's chains (``step_executor.go``, "step ... canceled").

Before ``Create`` is called a pending operation is recorded, and it is settled in the same journal
line that records the created resource: a run killed mid-create leaves the pending operation for
the next run to report (see :mod:`.runner`). Every finished step is journaled before the program
sees its result (:mod:`.journal`). Outputs are marked secret where the inputs at the same path were
(``annotateSecrets``) and for ``additional_secret_outputs``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from pulumi_ld_auditsubs.testing.engine.errors import (
    CheckFailedError,
    EngineError,
    ProtectedError,
    ProviderError,
)
from pulumi_ld_auditsubs.testing.engine.journal import Op as JournalOp
from pulumi_ld_auditsubs.testing.engine.provider_host import ProviderRegistry
from pulumi_ld_auditsubs.testing.engine.scheduler import run_in_order
from pulumi_ld_auditsubs.testing.engine.state import PendingOperation, ResourceState, StackState
from pulumi_ld_auditsubs.testing.engine.values import (
    PROVIDER_KEY,
    UNKNOWN,
    KeyDiff,
    annotate_secrets,
    apply_ignore_changes,
    changed_paths,
    format_path,
    key_diff,
    mark_secret_keys,
    parse_path,
    paths_overlap,
    reveal,
)


def _default_parallel() -> int:
    """Pulumi's default ``--parallel``: ``PULUMI_PARALLEL`` if set, else 4 x the CPUs
    (``defaultParallel`` in ``pkg/cmd/pulumi/operations/up.go``)."""
    text = os.environ.get("PULUMI_PARALLEL", "")
    if text.strip().isdigit() and int(text) > 0:
        return int(text)
    return 4 * (os.cpu_count() or 1)


DEFAULT_PARALLEL = _default_parallel()


class Op(enum.Enum):
    """A step's kind, with Pulumi's display symbol."""

    CREATE = "+"
    UPDATE = "~"
    REPLACE = "+-"
    DELETE = "-"
    IMPORT = "="
    SAME = " "


@dataclass(frozen=True)
class StepEvent:
    """One resource's outcome, for the display."""

    op: Op
    urn: str
    type: str
    diff: KeyDiff | None = None
    olds: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """Old inputs (update, replace, delete), for ``--diff``; secrets still wrapped."""
    news: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """New checked inputs (create, update, replace), for ``--diff``."""
    replaces: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Property paths whose change forces the replacement."""

    duration: float | None = field(default=None, compare=False)
    """Seconds the step's provider operation took; None when there was none (a preview, a component)."""

    @property
    def name(self) -> str:
        """The resource name."""
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class StepStart:
    """A provider operation that starts: ``verb`` is ``creating``, ``updating``, ``replacing``,
    ``deleting``, ``refreshing`` or ``importing`` (``getStepInProgressOpText`` in
    ``pkg/backend/display/progress.go``)."""

    op: Op
    verb: str
    urn: str
    type: str

    @property
    def name(self) -> str:
        """The resource name."""
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Goal:
    """A resource as the program registered it."""

    urn: str
    type: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    """Program inputs: secrets wrapped, ``__provider`` included, unknowns in a preview."""
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: str = ""
    """The provider reference (``urn::id``) of a plugin resource; empty for the others."""


@dataclass(frozen=True)
class Registered:
    """What the program gets back: ``id`` is empty when unknown (a preview create)."""

    id: str
    outputs: dict[str, Any]
    outcome: str = "success"
    """``fail`` or ``skip`` with ``continue_on_error``: the engine then answers the registration
    with ``Result.FAIL``/``SKIP`` instead of an error, so the program goes on and sees unknowns
    (``source_eval.go``; ``CreateStep.Fail``/``Skip``)."""


class DeploymentFailed(EngineError):
    """A previous step failed; no further steps start."""


class DeploymentCancelled(DeploymentFailed):
    """The run was cancelled (^C); no further steps start. Never a step's failure."""

    def __init__(self) -> None:
        super().__init__("the update was cancelled; no new step starts")


class Recorder(Protocol):
    """Where finished steps are made durable (the state store's journal)."""

    def append(self, state: StackState, ops: Sequence[JournalOp]) -> None: ...

    def encode_resource(self, resource: ResourceState) -> dict[str, Any]: ...

    def encode_pending(self, operation: PendingOperation) -> dict[str, Any]: ...

    def encode(self, value: Any) -> Any: ...


def _wire(provider: object, value: Any) -> Any:
    """A property map as sent to ``provider``: secrets kept for a provider that accepts them
    (``acceptSecrets`` in ``provider_plugin.go``), revealed for the others (the dynamic provider)."""
    return value if getattr(provider, "accepts_secrets", False) else reveal(value)


def _depends_on(resource: ResourceState) -> list[str]:
    """What a resource must outlive: parent, dependencies and its provider (deleted after it)."""
    provider = resource.provider.rpartition("::")[0] if resource.provider else ""
    return [resource.parent, *resource.dependencies, provider]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def protected_delete_message(urn: str) -> str:
    """The engine's refusal to delete a protected resource (``deleteProtectedError``)."""
    return (
        f'unable to delete resource "{urn}"\nas it is currently marked for protection. To unprotect the '
        "resource, remove the `protect` flag from the resource in your Pulumi program and run `up`"
    )


class Deployment:
    """Runs the steps of one operation against the state and the providers; thread-safe."""

    def __init__(
        self,
        state: StackState,
        providers: ProviderRegistry,
        *,
        preview: bool,
        on_event: Callable[[StepEvent], None],
        recorder: Recorder | None,
        parallel: int = DEFAULT_PARALLEL,
        continue_on_error: bool = False,
        on_start: Callable[[StepStart], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.providers = providers
        self.preview = preview
        self.parallel = max(1, parallel)
        self.continue_on_error = continue_on_error
        self.events: list[StepEvent] = []
        self.errors: list[Exception] = []
        """Every step failure, in the order they happened."""
        self._on_event = on_event
        self._recorder = recorder
        self._seen: list[str] = []
        self._seen_set: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight = 0
        self._stopped = False
        self._failed_urns: set[str] = set()
        self._slots = threading.BoundedSemaphore(self.parallel)
        self._on_start = on_start
        self._clock = clock
        self._cancelled = False
        self._running: dict[int, StepStart] = {}

    # -- bookkeeping ------------------------------------------------------------------------------

    @property
    def error(self) -> Exception | None:
        """The first step failure, if any."""
        return self.errors[0] if self.errors else None

    def _emit(
        self,
        op: Op,
        urn: str,
        type_: str,
        diff: KeyDiff | None = None,
        *,
        olds: dict[str, Any] | None = None,
        news: dict[str, Any] | None = None,
        replaces: Sequence[str] = (),
        started: float | None = None,
    ) -> None:
        duration = None if started is None else max(0.0, self._clock() - started)
        event = StepEvent(op, urn, type_, diff, olds, news, tuple(replaces), duration)
        with self._lock:
            self.events.append(event)
            self._on_event(event)

    def _journal(self, ops: Sequence[JournalOp]) -> None:
        if self._recorder is not None and not self.preview and ops:
            self._recorder.append(self.state, ops)

    def _put_op(self, resource: ResourceState) -> JournalOp:
        assert self._recorder is not None
        return {"op": "put", "resource": self._recorder.encode_resource(resource)}

    def _fail(self, exc: Exception) -> None:
        with self._lock:
            self.errors.append(exc)
            if not self.continue_on_error:
                self._stopped = True

    @property
    def has_changes(self) -> bool:
        """Whether any step created, updated, replaced or deleted something."""
        return any(e.op is not Op.SAME for e in self.events)

    # -- cancellation and operations in flight ---------------------------------------------------

    def cancel(self) -> None:
        """The first ^C: no operation starts from now on; those in flight finish and are recorded.

        Safe from any thread, including while another holds the deployment lock (no lock taken).
        """
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def running(self) -> list[StepStart]:
        """The provider operations in flight (announced and not finished), oldest first."""
        return list(self._running.values())

    @contextlib.contextmanager
    def _operation(
        self, op: Op, verb: str, urn: str, type_: str, *, announce: bool = True
    ) -> Iterator[float]:
        """Start one provider operation (refused once cancelled); yields its start time."""
        start = StepStart(op, verb, urn, type_)
        with self._lock:
            if self._cancelled:
                raise DeploymentCancelled()
            key = id(start)
            if announce:
                self._running[key] = start
                if self._on_start is not None:
                    self._on_start(start)
        try:
            yield self._clock()
        finally:
            self._running.pop(key, None)

    def wait_idle(self) -> None:
        """Block until no registration is in flight (so nothing is cut off at shutdown)."""
        with self._idle:
            while self._inflight:
                self._idle.wait()

    # -- state changes (each under the lock, then journaled outside it) ----------------------------

    def _commit(
        self,
        *,
        put: ResourceState | None = None,
        replacing: ResourceState | None = None,
        retire: ResourceState | None = None,
        remove: ResourceState | None = None,
        settle: str | None = None,
    ) -> None:
        """Apply one step's changes to the state, then make them durable as one journal line."""
        ops: list[JournalOp] = []
        with self._lock:
            resources = self.state.resources
            if settle is not None:
                self.state.pending = [p for p in self.state.pending if p.urn != settle]
                ops.append({"op": "settle", "urn": settle})
            if retire is not None:
                retired = dataclasses.replace(retire, pending_delete=True)
                resources[_index(resources, retire)] = retired
                ops.append({"op": "retire", "urn": retire.urn})
            if remove is not None:
                resources.pop(_index(resources, remove))
                ops.append({"op": "remove", "urn": remove.urn, "pending_delete": remove.pending_delete})
            if put is not None:
                if replacing is not None and any(r is replacing for r in resources):
                    resources[_index(resources, replacing)] = put
                else:
                    resources.append(put)
        if put is not None and self._recorder is not None and not self.preview:
            ops.append(self._put_op(put))
        self._journal(ops)

    # -- registrations (preview / up) -------------------------------------------------------------

    def register(self, goal: Goal) -> Registered:
        """Run the step for one registered resource; called from the program's threads."""
        with self._lock:
            if self._cancelled:
                raise DeploymentCancelled()
            if self._stopped:
                raise DeploymentFailed("an earlier step failed; no new step starts")
            duplicate = goal.urn in self._seen_set
            if not duplicate:
                self._seen.append(goal.urn)
                self._seen_set.add(goal.urn)
            old = self.state.find(goal.urn)
            self._inflight += 1
        try:
            if duplicate:
                raise EngineError(
                    f"duplicate resource URN {goal.urn!r}: resource names must be unique per type"
                )
            with self._lock:
                provider_urn = goal.provider.rpartition("::")[0]
                skip = bool({goal.parent, *goal.dependencies, provider_urn} & self._failed_urns)
                if skip:
                    self._failed_urns.add(goal.urn)
            if skip:  # continue_on_error: what depends on a failed step is skipped, as in Pulumi
                return Registered(id=old.id if old else "", outputs={}, outcome="skip")
            with self._slots:
                return self._register(goal, old)
        except DeploymentCancelled:
            raise  # not a failure of this step: it never started
        except Exception as exc:
            self._fail(exc)
            if not self.continue_on_error:
                raise
            with self._lock:
                self._failed_urns.add(goal.urn)
            return Registered(id=old.id if old else "", outputs={}, outcome="fail")
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def _register(self, goal: Goal, old: ResourceState | None) -> Registered:
        if not goal.custom:
            record = self._record(goal, id_="", inputs=goal.inputs, outputs={})
            if record != old:
                self._commit(put=record, replacing=old)
            self._emit(Op.SAME if old else Op.CREATE, goal.urn, goal.type)
            return Registered(id="", outputs={})
        provider = self.providers.for_type(goal.type, goal.provider)
        news = goal.inputs
        if old is not None and goal.ignore_changes:
            news = apply_ignore_changes(news, old.inputs, goal.ignore_changes)
        checked = self._check(goal, _wire(provider, old.inputs) if old else {}, news)
        if old is None:
            return self._create(goal, checked)
        diff_keys = key_diff(old.inputs, checked)
        outcome = provider.diff(
            goal.urn,
            old.id,
            _wire(provider, old.outputs),
            _wire(provider, checked),
            _wire(provider, old.inputs),
            goal.ignore_changes,
        )
        changes, paths = outcome.changes, []
        if changes == "unknown":
            old_cmp = {k: v for k, v in old.inputs.items() if k != PROVIDER_KEY}
            new_cmp = {k: v for k, v in checked.items() if k != PROVIDER_KEY}
            paths = changed_paths(old_cmp, new_cmp)
            changes = "some" if paths else "none"
        if changes == "none":
            record = self._record(goal, id_=old.id, inputs=checked, outputs=old.outputs)
            if record != old and not self.preview:
                self._commit(put=record, replacing=old)
            self._emit(Op.SAME, goal.urn, goal.type)
            return Registered(id=old.id, outputs=old.outputs)
        replaces = list(outcome.replaces) + self._replace_on_changes(goal, paths)
        if replaces:
            dbr = (
                goal.delete_before_replace
                if goal.delete_before_replace is not None
                else outcome.delete_before_replace
            )
            return self._replace(goal, old, checked, diff_keys, delete_first=dbr, replaces=replaces)
        return self._update(goal, old, checked, diff_keys)

    def _check(self, goal: Goal, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        provider = self.providers.for_type(goal.type, goal.provider)
        check = provider.check(goal.urn, olds, _wire(provider, news))
        if check.failures:
            raise CheckFailedError(urn=goal.urn, failures=check.failures)
        return annotate_secrets(check.inputs, news)

    @staticmethod
    def _replace_on_changes(goal: Goal, paths: Sequence[tuple[Any, ...]]) -> list[str]:
        triggers = [parse_path(p) for p in goal.replace_on_changes]
        return [format_path(p) for p in paths if any(paths_overlap(p, t) for t in triggers)]

    @staticmethod
    def _record(goal: Goal, *, id_: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> ResourceState:
        return ResourceState(
            urn=goal.urn,
            type=goal.type,
            custom=goal.custom,
            id=id_,
            parent=goal.parent,
            inputs=inputs,
            outputs=outputs,
            dependencies=list(goal.dependencies),
            protect=goal.protect,
            retain_on_delete=goal.retain_on_delete,
            additional_secret_outputs=list(goal.additional_secret_outputs),
            ignore_changes=list(goal.ignore_changes),
            provider=goal.provider,
        )

    def _outputs(self, goal: Goal, outs: dict[str, Any], checked: dict[str, Any]) -> dict[str, Any]:
        if getattr(self.providers.for_type(goal.type, goal.provider), "accepts_secrets", False):
            # A provider that accepts secrets marks its own secret outputs (provider_plugin.go).
            return mark_secret_keys(outs, goal.additional_secret_outputs)
        return mark_secret_keys(annotate_secrets(outs, checked), goal.additional_secret_outputs)

    def _call_create(self, goal: Goal, checked: dict[str, Any]) -> ResourceState:
        """Record the pending create, call Create; the caller commits the result with ``settle``."""
        record = self._record(goal, id_="", inputs=checked, outputs={})
        pending = PendingOperation(type="creating", urn=goal.urn, resource=record, started=_now())
        with self._lock:
            self.state.pending.append(pending)
        if self._recorder is not None:
            self._journal([{"op": "pending", "operation": self._recorder.encode_pending(pending)}])
        try:
            provider = self.providers.for_type(goal.type, goal.provider)
            id_, outs = provider.create(goal.urn, _wire(provider, checked))
        except Exception:
            # The provider answered with an error: nothing is in flight any more (the engine drops
            # the pending operation of a failed step too).
            self._commit(settle=goal.urn)
            raise
        return dataclasses.replace(record, id=id_, outputs=self._outputs(goal, outs, checked))

    def _create(self, goal: Goal, checked: dict[str, Any]) -> Registered:
        if self.preview:
            provider = self.providers.for_type(goal.type, goal.provider)
            id_, outs = "", checked
            if getattr(provider, "supports_preview", False):  # Create(preview=true): nothing is made
                id_, outs = provider.preview_create(goal.urn, _wire(provider, checked))  # type: ignore[attr-defined]
                outs = self._outputs(goal, outs, checked)
            self._emit(Op.CREATE, goal.urn, goal.type, news=checked)
            return Registered(id="" if id_ == UNKNOWN else id_, outputs=outs)
        with self._operation(Op.CREATE, "creating", goal.urn, goal.type) as started:
            record = self._call_create(goal, checked)
            self._commit(put=record, settle=goal.urn)
        self._emit(Op.CREATE, goal.urn, goal.type, news=checked, started=started)
        return Registered(id=record.id, outputs=record.outputs)

    def _update(self, goal: Goal, old: ResourceState, checked: dict[str, Any], diff: KeyDiff) -> Registered:
        provider = self.providers.for_type(goal.type, goal.provider)
        args = (
            goal.urn,
            old.id,
            _wire(provider, old.outputs),
            _wire(provider, checked),
            _wire(provider, old.inputs),
            goal.ignore_changes,
        )
        if self.preview:
            outs = checked
            if getattr(provider, "supports_preview", False):  # Update(preview=true): nothing is sent
                outs = self._outputs(goal, provider.preview_update(*args), checked)  # type: ignore[attr-defined]
            self._emit(Op.UPDATE, goal.urn, goal.type, diff, olds=old.inputs, news=checked)
            return Registered(id=old.id, outputs=outs)
        with self._operation(Op.UPDATE, "updating", goal.urn, goal.type) as started:
            outs = provider.update(*args)
            record = self._record(
                goal, id_=old.id, inputs=checked, outputs=self._outputs(goal, outs, checked)
            )
            self._commit(put=record, replacing=old)
        self._emit(Op.UPDATE, goal.urn, goal.type, diff, olds=old.inputs, news=checked, started=started)
        return Registered(id=old.id, outputs=record.outputs)

    def _replace(
        self,
        goal: Goal,
        old: ResourceState,
        checked: dict[str, Any],
        diff: KeyDiff,
        *,
        delete_first: bool,
        replaces: Sequence[str] = (),
    ) -> Registered:
        if goal.protect and old.protect:
            # Unprotecting and replacing in one run is allowed: only "protected before and after"
            # refuses. A preview reports the error and goes on, so the whole plan is shown.
            refusal = ProtectedError(
                f'unable to replace resource "{goal.urn}"\nas it is currently marked for protection. '
                "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi "
                "program and run `up`"
            )
            if not self.preview:
                raise refusal
            with self._lock:
                self.errors.append(refusal)
        # A replacement is a new resource: Check again on the program's own inputs, with no olds,
        # so defaults are recomputed (step_generator.go, "recompute the default values").
        fresh = self._check(goal, {}, goal.inputs)
        if self.preview:
            self._emit(Op.REPLACE, goal.urn, goal.type, diff, olds=old.inputs, news=fresh, replaces=replaces)
            return Registered(id="", outputs=fresh)
        with self._operation(Op.REPLACE, "replacing", goal.urn, goal.type) as started:
            if delete_first:
                self._delete_one(old)
            record = self._call_create(goal, fresh)
            if delete_first:
                self._commit(put=record, settle=goal.urn)
            else:
                self._commit(put=record, retire=old, settle=goal.urn)
        self._emit(
            Op.REPLACE,
            goal.urn,
            goal.type,
            diff,
            olds=old.inputs,
            news=fresh,
            replaces=replaces,
            started=started,
        )
        return Registered(id=record.id, outputs=record.outputs)

    # -- deletes ----------------------------------------------------------------------------------

    def _delete_one(self, resource: ResourceState) -> None:
        """Delete (or, with retain_on_delete, forget) one resource and drop it from state."""
        if resource.custom and not resource.retain_on_delete:
            provider = self.providers.for_type(resource.type, resource.provider)
            provider.delete(
                resource.urn, resource.id, _wire(provider, resource.outputs), _wire(provider, resource.inputs)
            )
        self._commit(remove=resource)

    def _delete_all(self, doomed: list[ResourceState], *, show: Callable[[ResourceState], bool]) -> None:
        ordered = reverse_dependency_order(doomed, self.state.resources)
        # Each resource waits for the doomed resources that depend on it (children, users).
        position = {id(r): i for i, r in enumerate(ordered)}
        by_urn: dict[str, list[int]] = {}
        for index, resource in enumerate(ordered):
            by_urn.setdefault(resource.urn, []).append(index)
        waits: list[list[int]] = [[] for _ in ordered]
        for index, resource in enumerate(ordered):
            for dep in set(_depends_on(resource)) - {""}:
                for target in by_urn.get(dep, []):
                    if target != index:
                        waits[target].append(position[id(resource)])

        def delete(resource: ResourceState) -> None:
            if resource.protect and not resource.pending_delete:
                raise ProtectedError(protected_delete_message(resource.urn))
            started = None
            if not self.preview:
                shown = show(resource)
                with self._operation(
                    Op.DELETE, "deleting", resource.urn, resource.type, announce=shown
                ) as started:
                    self._delete_one(resource)
            if show(resource):
                self._emit(Op.DELETE, resource.urn, resource.type, olds=resource.inputs, started=started)

        errors = run_in_order(
            ordered,
            lambda i: waits[i],
            delete,
            parallel=self.parallel,
            continue_on_error=self.continue_on_error,
            keep_going=lambda exc: isinstance(exc, ProtectedError),
            cancelled=lambda: self._cancelled,
        )
        self._fail_all(errors)

    def finish(self) -> None:
        """After the program: delete what it no longer registers, and old replaced resources."""
        seen = set(self._seen)
        doomed = [r for r in self.state.resources if r.pending_delete or r.urn not in seen]
        self._delete_all(doomed, show=lambda r: not r.pending_delete)
        order = {urn: i for i, urn in enumerate(self._seen)}
        with self._lock:
            self.state.resources.sort(key=lambda r: order.get(r.urn, len(order)))

    def destroy(self) -> None:
        """Delete every resource in reverse dependency order."""
        self._delete_all(list(self.state.resources), show=lambda r: not r.pending_delete)
        if not self.errors and not self.preview:
            with self._lock:
                self.state.outputs = {}
            if self._recorder is not None:
                self._journal([{"op": "outputs", "outputs": {}}])

    # -- refresh ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every custom resource in parallel; judge drift with the provider's Diff."""
        errors = run_in_order(
            list(self.state.resources),
            lambda _i: (),
            self._refresh_one,
            parallel=self.parallel,
            continue_on_error=self.continue_on_error,
            cancelled=lambda: self._cancelled,
        )
        self._fail_all(errors)

    def _fail_all(self, errors: Sequence[Exception]) -> None:
        """Record a scheduler's failures; a step refused because the run was cancelled is none."""
        for exc in errors:
            if not isinstance(exc, DeploymentCancelled):
                self._fail(exc)

    def _refresh_one(self, old: ResourceState) -> None:
        if not old.custom:
            self._emit(Op.SAME, old.urn, old.type)
            return
        # An old copy left pending-delete by a replacement is read too, but not shown.
        shown = not old.pending_delete
        with self._operation(Op.UPDATE, "refreshing", old.urn, old.type, announce=shown) as started:
            self._refresh_custom(old, started if shown else None)

    def _refresh_custom(self, old: ResourceState, started: float | None) -> None:
        provider = self.providers.for_type(old.type, old.provider)
        read = provider.read(old.urn, old.id, _wire(provider, old.outputs), _wire(provider, old.inputs))
        if not read.id:
            self._commit(remove=old)
            if not old.pending_delete:
                self._emit(Op.DELETE, old.urn, old.type, olds=old.inputs, started=started)
            return
        if getattr(provider, "accepts_secrets", False):  # it marks its own secrets (provider_plugin.go, Read)
            outputs = mark_secret_keys(read.outputs, old.additional_secret_outputs)
            inputs = old.inputs if read.inputs is None else read.inputs
        else:
            outputs = mark_secret_keys(
                annotate_secrets(read.outputs, old.outputs), old.additional_secret_outputs
            )
            inputs = old.inputs if read.inputs is None else annotate_secrets(read.inputs, old.inputs)
        new = dataclasses.replace(old, id=read.id, inputs=inputs, outputs=outputs)
        changed = False
        if not old.pending_delete:
            # RefreshStep.Apply: the diff an `up` of an unchanged program would show right after
            # this refresh (olds = refreshed state, news = the old inputs), inverted for display.
            outcome = provider.diff(
                old.urn,
                read.id,
                _wire(provider, outputs),
                _wire(provider, old.inputs),
                _wire(provider, inputs),
                old.ignore_changes,
            )
            changes = outcome.changes
            if changes == "unknown":
                news = apply_ignore_changes(old.inputs, inputs, old.ignore_changes)
                strip = PROVIDER_KEY
                paths = changed_paths(
                    {k: v for k, v in inputs.items() if k != strip},
                    {k: v for k, v in news.items() if k != strip},
                )
                changes = "some" if paths else "none"
            changed = changes == "some"
        if new != old:
            self._commit(put=new, replacing=old)
        if changed:
            shown = key_diff(old.inputs, inputs) or key_diff(old.outputs, outputs)
            self._emit(
                Op.UPDATE, old.urn, old.type, shown or None, olds=old.inputs, news=inputs, started=started
            )
        else:
            self._emit(Op.SAME, old.urn, old.type, started=started)

    # -- pending creates --------------------------------------------------------------------------

    def resolve_pending(self, imports: dict[str, str], clear: bool) -> list[str]:
        """Import (``--import-pending-creates URN ID``) or drop pending creates; returns unused URNs.

        An import reads the resource with that ID, as ``pulumi refresh --import-pending-creates``
        turns the pending create into an import (``operations/refresh.go``).
        """
        known = {p.urn for p in self.state.pending}
        for pending in list(self.state.pending):
            if pending.urn in imports:
                resource = pending.resource
                provider = self.providers.for_type(resource.type, resource.provider)
                id_ = imports[pending.urn]
                with self._operation(Op.IMPORT, "importing", resource.urn, resource.type) as started:
                    sent = _wire(provider, resource.inputs)
                    read = provider.read(resource.urn, id_, sent, sent)
                if not read.id:
                    raise ProviderError(
                        method="Read",
                        urn=resource.urn,
                        message=f"no resource with ID {id_!r}: nothing was imported; check the ID, or "
                        "use --clear-pending-creates if the interrupted create made nothing",
                    )
                outputs = mark_secret_keys(
                    annotate_secrets(read.outputs, resource.inputs), resource.additional_secret_outputs
                )
                inputs = (
                    resource.inputs if read.inputs is None else annotate_secrets(read.inputs, resource.inputs)
                )
                record = dataclasses.replace(resource, id=read.id, inputs=inputs, outputs=outputs)
                self._commit(put=record, settle=pending.urn)
                self._emit(Op.IMPORT, resource.urn, resource.type, started=started)
            elif clear:
                self._commit(settle=pending.urn)
        return sorted(set(imports) - known)


def _index(resources: list[ResourceState], resource: ResourceState) -> int:
    for index, candidate in enumerate(resources):
        if candidate is resource:
            return index
    raise EngineError(f"internal error: {resource.urn} is not in the state")


def reverse_dependency_order(
    doomed: Iterable[ResourceState], everything: Sequence[ResourceState]
) -> list[ResourceState]:
    """``doomed`` ordered so that dependents (children, users) come before what they depend on."""
    doomed_list = list(doomed)
    position = {id(r): i for i, r in enumerate(everything)}
    by_urn: dict[str, list[ResourceState]] = {}
    for resource in doomed_list:
        by_urn.setdefault(resource.urn, []).append(resource)
    ordered: list[ResourceState] = []
    visiting: set[int] = set()
    done: set[int] = set()

    def visit(resource: ResourceState) -> None:
        if id(resource) in done or id(resource) in visiting:
            return
        visiting.add(id(resource))
        for dep in _depends_on(resource):
            for target in by_urn.get(dep, []):
                visit(target)
        visiting.discard(id(resource))
        done.add(id(resource))
        ordered.append(resource)

    for resource in sorted(doomed_list, key=lambda r: position.get(id(r), len(position))):
        visit(resource)
    ordered.reverse()
    return ordered

"""The engine's step logic: what to do with each registered resource, and with the ones left over.

For each resource the program registers (``preview``/``up``) the deployment

1. puts ignored input paths back to their old values (``ignore_changes``);
2. calls ``Check(olds=old inputs or {}, news=program inputs)`` and fails on check failures;
3. for a resource already in state, calls ``Diff(id, olds=old outputs, news=checked inputs,
   old_inputs)``; ``DIFF_UNKNOWN`` falls back to comparing old and new inputs (without
   ``__provider``), which is also the only case in which ``replace_on_changes`` can see which
   properties changed (Python dynamic providers never send a detailed diff, as in Pulumi);
4. then creates, updates, replaces (create-before-delete, the old one deleted at the end, unless
   ``delete_before_replace``) or leaves the resource alone.

In a preview only Check and Diff run; outputs of resources that would be created, updated or
replaced are their checked inputs, so everything else is unknown to the program. After the program,
resources it no longer registers, and old replaced ones, are deleted in reverse dependency order.
Protected resources are never deleted or replaced; ``retain_on_delete`` ones are forgotten without
a Delete call. Outputs are marked secret where the inputs at the same path were (``annotateSecrets``)
and for ``additional_secret_outputs``. State is saved after every step that changed something.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_ld_auditsubs.testing.engine.errors import CheckFailedError, EngineError, ProtectedError
from pulumi_ld_auditsubs.testing.engine.provider_host import ProviderRegistry
from pulumi_ld_auditsubs.testing.engine.state import ResourceState, StackState
from pulumi_ld_auditsubs.testing.engine.values import (
    PROVIDER_KEY,
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


class Op(enum.Enum):
    """A step's kind, with Pulumi's display symbol."""

    CREATE = "+"
    UPDATE = "~"
    REPLACE = "+-"
    DELETE = "-"
    SAME = " "


@dataclass(frozen=True)
class StepEvent:
    """One resource's outcome, for the display."""

    op: Op
    urn: str
    type: str
    diff: KeyDiff | None = None

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


@dataclass(frozen=True)
class Registered:
    """What the program gets back: ``id`` is empty when unknown (a preview create)."""

    id: str
    outputs: dict[str, Any]


class DeploymentFailed(EngineError):
    """A previous step failed; no further steps run."""


class Deployment:
    """Runs the steps of one operation against the state and the providers."""

    def __init__(
        self,
        state: StackState,
        providers: ProviderRegistry,
        *,
        preview: bool,
        on_event: Callable[[StepEvent], None],
        save: Callable[[StackState], None],
    ) -> None:
        self.state = state
        self.providers = providers
        self.preview = preview
        self.events: list[StepEvent] = []
        self.error: Exception | None = None
        self._on_event = on_event
        self._save = save
        self._seen: list[str] = []
        self._lock = threading.Lock()

    # -- bookkeeping ------------------------------------------------------------------------------

    def _emit(self, op: Op, urn: str, type_: str, diff: KeyDiff | None = None) -> None:
        event = StepEvent(op, urn, type_, diff)
        self.events.append(event)
        self._on_event(event)

    def _persist(self) -> None:
        if not self.preview:
            self._save(self.state)

    def _put(self, resource: ResourceState) -> None:
        for index, existing in enumerate(self.state.resources):
            if existing.urn == resource.urn and not existing.pending_delete:
                self.state.resources[index] = resource
                return
        self.state.resources.append(resource)

    @property
    def has_changes(self) -> bool:
        """Whether any step created, updated, replaced or deleted something."""
        return any(e.op is not Op.SAME for e in self.events)

    # -- registrations (preview / up) -------------------------------------------------------------

    def register(self, goal: Goal) -> Registered:
        """Run the step for one registered resource; thread-safe, one step at a time."""
        with self._lock:
            if self.error is not None:
                raise DeploymentFailed("an earlier step failed")
            try:
                return self._register(goal)
            except Exception as exc:
                self.error = exc
                raise

    def _register(self, goal: Goal) -> Registered:
        if goal.urn in self._seen:
            raise EngineError(f"duplicate resource URN {goal.urn!r}: resource names must be unique per type")
        self._seen.append(goal.urn)
        old = self.state.find(goal.urn)
        if not goal.custom:
            self._put(self._record(goal, old, id_="", inputs=goal.inputs, outputs={}))
            self._emit(Op.SAME if old else Op.CREATE, goal.urn, goal.type)
            self._persist()
            return Registered(id="", outputs={})
        provider = self.providers.for_type(goal.type)
        news = goal.inputs
        if old is not None and goal.ignore_changes:
            news = apply_ignore_changes(news, old.inputs, goal.ignore_changes)
        check = provider.check(goal.urn, reveal(old.inputs) if old else {}, reveal(news))
        if check.failures:
            raise CheckFailedError(urn=goal.urn, failures=check.failures)
        checked = annotate_secrets(check.inputs, news)
        if old is None:
            return self._create(goal, checked)
        diff_keys = key_diff(old.inputs, checked)
        outcome = provider.diff(
            goal.urn, old.id, reveal(old.outputs), reveal(checked), reveal(old.inputs), goal.ignore_changes
        )
        changes, paths = outcome.changes, []
        if changes == "unknown":
            old_cmp = {k: v for k, v in old.inputs.items() if k != PROVIDER_KEY}
            new_cmp = {k: v for k, v in checked.items() if k != PROVIDER_KEY}
            paths = changed_paths(old_cmp, new_cmp)
            changes = "some" if paths else "none"
        if changes == "none":
            self._put(self._record(goal, old, id_=old.id, inputs=checked, outputs=old.outputs))
            self._emit(Op.SAME, goal.urn, goal.type)
            self._persist()
            return Registered(id=old.id, outputs=old.outputs)
        replaces = list(outcome.replaces) + self._replace_on_changes(goal, paths)
        if replaces:
            dbr = (
                goal.delete_before_replace
                if goal.delete_before_replace is not None
                else outcome.delete_before_replace
            )
            return self._replace(goal, old, checked, diff_keys, delete_first=dbr)
        return self._update(goal, old, checked, diff_keys)

    @staticmethod
    def _replace_on_changes(goal: Goal, paths: Sequence[tuple[Any, ...]]) -> list[str]:
        triggers = [parse_path(p) for p in goal.replace_on_changes]
        return [format_path(p) for p in paths if any(paths_overlap(p, t) for t in triggers)]

    @staticmethod
    def _record(
        goal: Goal, old: ResourceState | None, *, id_: str, inputs: dict[str, Any], outputs: dict[str, Any]
    ) -> ResourceState:
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
        )

    def _outputs(self, goal: Goal, outs: dict[str, Any], checked: dict[str, Any]) -> dict[str, Any]:
        return mark_secret_keys(annotate_secrets(outs, checked), goal.additional_secret_outputs)

    def _create(self, goal: Goal, checked: dict[str, Any]) -> Registered:
        if self.preview:
            self._emit(Op.CREATE, goal.urn, goal.type)
            return Registered(id="", outputs=checked)
        id_, outs = self.providers.for_type(goal.type).create(goal.urn, reveal(checked))
        outputs = self._outputs(goal, outs, checked)
        self._put(self._record(goal, None, id_=id_, inputs=checked, outputs=outputs))
        self._emit(Op.CREATE, goal.urn, goal.type)
        self._persist()
        return Registered(id=id_, outputs=outputs)

    def _update(self, goal: Goal, old: ResourceState, checked: dict[str, Any], diff: KeyDiff) -> Registered:
        if self.preview:
            self._emit(Op.UPDATE, goal.urn, goal.type, diff)
            return Registered(id=old.id, outputs=checked)
        outs = self.providers.for_type(goal.type).update(
            goal.urn, old.id, reveal(old.outputs), reveal(checked), reveal(old.inputs), goal.ignore_changes
        )
        outputs = self._outputs(goal, outs, checked)
        self._put(self._record(goal, old, id_=old.id, inputs=checked, outputs=outputs))
        self._emit(Op.UPDATE, goal.urn, goal.type, diff)
        self._persist()
        return Registered(id=old.id, outputs=outputs)

    def _replace(
        self, goal: Goal, old: ResourceState, checked: dict[str, Any], diff: KeyDiff, *, delete_first: bool
    ) -> Registered:
        if goal.protect:
            raise ProtectedError(
                f'unable to replace resource "{goal.urn}": it is marked for protection (protect=True). '
                "Remove the protect option from the program to allow the replacement."
            )
        if self.preview:
            self._emit(Op.REPLACE, goal.urn, goal.type, diff)
            return Registered(id="", outputs=checked)
        provider = self.providers.for_type(goal.type)
        if delete_first:
            self._delete_one(old)
        id_, outs = provider.create(goal.urn, reveal(checked))
        outputs = self._outputs(goal, outs, checked)
        old.pending_delete = not delete_first
        self.state.resources.append(self._record(goal, None, id_=id_, inputs=checked, outputs=outputs))
        self._emit(Op.REPLACE, goal.urn, goal.type, diff)
        self._persist()
        return Registered(id=id_, outputs=outputs)

    # -- deletes ----------------------------------------------------------------------------------

    def _delete_one(self, resource: ResourceState) -> None:
        """Delete (or, with retain_on_delete, forget) one resource and drop it from state."""
        if resource.custom and not resource.retain_on_delete:
            self.providers.for_type(resource.type).delete(
                resource.urn, resource.id, reveal(resource.outputs), reveal(resource.inputs)
            )
        self.state.resources = [r for r in self.state.resources if r is not resource]
        self._persist()

    def _delete_all(self, doomed: list[ResourceState], *, show: Callable[[ResourceState], bool]) -> None:
        protected = [r for r in doomed if r.protect and not r.pending_delete]
        if protected:
            urns = "\n".join(f'  "{r.urn}"' for r in protected)
            raise ProtectedError(
                "unable to delete resources marked for protection (protect=True):\n"
                f"{urns}\nRemove the protect option from the program and run `up` before deleting them."
            )
        for resource in reverse_dependency_order(doomed, self.state.resources):
            if show(resource):
                self._emit(Op.DELETE, resource.urn, resource.type)
            if not self.preview:
                self._delete_one(resource)

    def finish(self) -> None:
        """After the program: delete what it no longer registers, and old replaced resources."""
        with self._lock:
            if self.error is not None:
                return
            seen = set(self._seen)
            doomed = [r for r in self.state.resources if r.pending_delete or r.urn not in seen]
            try:
                self._delete_all(doomed, show=lambda r: not r.pending_delete)
                order = {urn: i for i, urn in enumerate(self._seen)}
                self.state.resources.sort(key=lambda r: order.get(r.urn, len(order)))
                self._persist()
            except Exception as exc:
                self.error = exc
                raise

    def destroy(self) -> None:
        """Delete every resource in reverse dependency order."""
        try:
            self._delete_all(list(self.state.resources), show=lambda r: not r.pending_delete)
            if not self.preview:
                self.state.outputs = {}
                self._persist()
        except Exception as exc:
            self.error = exc
            raise

    # -- refresh ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every custom resource; a blank ID drops it, returned inputs replace stored ones."""
        try:
            for resource in list(self.state.resources):
                if not resource.custom or resource.pending_delete:
                    self._emit(Op.SAME, resource.urn, resource.type)
                    continue
                read = self.providers.for_type(resource.type).read(
                    resource.urn, resource.id, reveal(resource.outputs), reveal(resource.inputs)
                )
                if not read.id:
                    self.state.resources = [r for r in self.state.resources if r is not resource]
                    self._emit(Op.DELETE, resource.urn, resource.type)
                    self._persist()
                    continue
                outputs = mark_secret_keys(
                    annotate_secrets(read.outputs, resource.outputs), resource.additional_secret_outputs
                )
                inputs = (
                    resource.inputs if read.inputs is None else annotate_secrets(read.inputs, resource.inputs)
                )
                drift = key_diff(resource.outputs, outputs)
                changed = bool(drift) or read.id != resource.id or bool(key_diff(resource.inputs, inputs))
                resource.id, resource.outputs, resource.inputs = read.id, outputs, inputs
                self._emit(Op.UPDATE if changed else Op.SAME, resource.urn, resource.type, drift or None)
                self._persist()
        except Exception as exc:
            self.error = exc
            raise


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
        for dep in [resource.parent, *resource.dependencies]:
            for target in by_urn.get(dep, []):
                visit(target)
        visiting.discard(id(resource))
        done.add(id(resource))
        ordered.append(resource)

    for resource in sorted(doomed_list, key=lambda r: position.get(id(r), len(position))):
        visit(resource)
    ordered.reverse()
    return ordered

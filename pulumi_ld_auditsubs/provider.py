"""The dynamic provider: Pulumi's check/diff/create/read/update/delete hooks, one host of the operations.

The hooks only translate: the SDK's property bags and results on one side, the host-neutral
operations of :mod:`.operations.subscriptions` (shared with the native plugin) on the other.
``check`` and ``diff`` never touch the network because they run during ``pulumi preview``.

The provider object is pickled into every resource's state (``__provider``), and the engine shares
one unpickled instance across four worker threads. So it carries no attributes at all: settings
from ``configure()`` are kept in a module-level table keyed by the instance, and HTTP connections in
the client's module-level pool. Its pickle is therefore a constant reference to this class, the
same for every stack and every release of this major version.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_ld_auditsubs.api.settings import ProviderSettings
from pulumi_ld_auditsubs.errors import LaunchDarklyError, SettingsError
from pulumi_ld_auditsubs.operations import subscriptions
from pulumi_ld_auditsubs.operations.subscriptions import PATCH_COMMENT

__all__ = ["PATCH_COMMENT", "AuditLogSubscriptionProvider", "ProviderSettings"]

log = logging.getLogger(__name__)
_Result = TypeVar("_Result")


# -- the boundary: what the engine shows the user --------------------------------------------------


def _failure_line(
    action: str, provider: AuditLogSubscriptionProvider, args: tuple[Any, ...], exc: Exception
) -> str:
    """The operation's one-sentence failure, found from the hook's arguments."""
    id_ = args[0] if len(args) > 1 and isinstance(args[0], str) else None
    props = args[-1] if args and isinstance(args[-1], Mapping) else {}
    try:
        host = provider._settings().host
    except LaunchDarklyError:
        host = ""
    return subscriptions.failure_line(action, id_, props, host, exc)


def _boundary(action: str) -> Callable[[Callable[..., _Result]], Callable[..., _Result]]:
    """Wrap a hook so any failure reaches the user as one actionable line.

    The SDK sends the engine ``traceback.format_exc()`` of whatever a hook raises
    (``pulumi/dynamic/__main__.py`` ``_abort_with_traceback``), so the error is raised here, outside
    the ``except`` block and ``from None``: no chained internals, three short frames, and a last
    line that is the whole story. Messages pass through :class:`LaunchDarklyError`, which scrubs
    registered secrets.
    """

    def decorate(hook: Callable[..., _Result]) -> Callable[..., _Result]:
        @functools.wraps(hook)
        def hook_with_a_clear_failure(self: AuditLogSubscriptionProvider, *args: Any) -> _Result:
            try:
                return hook(self, *args)
            except Exception as exc:  # the boundary: every failure leaves as one LaunchDarklyError
                message = _failure_line(action, self, args, exc)
            raise LaunchDarklyError(message) from None

        return hook_with_a_clear_failure

    return decorate


_SETTINGS: weakref.WeakKeyDictionary[AuditLogSubscriptionProvider, ProviderSettings | SettingsError] = (
    weakref.WeakKeyDictionary()
)
_SETTINGS_LOCK = threading.Lock()


class AuditLogSubscriptionProvider(ResourceProvider):
    """Manages one LaunchDarkly audit log subscription per resource."""

    def __getstate__(self) -> dict[str, Any]:
        return {}  # nothing on the instance is state; keeps `__provider` constant and token-free

    def __setstate__(self, state: dict[str, Any]) -> None:
        pass

    def configure(self, req: ConfigureRequest) -> None:
        # A bad setting must not raise here: the SDK calls configure while it unpickles the provider
        # for each resource, so a raise becomes one Python traceback per resource, in preview too.
        # It is kept and reported by check (one Check failure per resource) and by every hook.
        # The whole stack config (every namespace), so a misspelled key is refused, not ignored;
        # the SDK's Config has no public way to list its keys.
        raw: Mapping[str, Any] = req.config if isinstance(req.config, Mapping) else req.config._props
        try:
            settings = ProviderSettings.resolve({k: None if v is None else str(v) for k, v in raw.items()})
        except SettingsError as exc:
            with _SETTINGS_LOCK:
                _SETTINGS[self] = exc
            return
        with _SETTINGS_LOCK:
            _SETTINGS[self] = settings
        _log_to_stderr()
        for warning in settings.warnings:
            log.warning("%s", warning)
        log.info(
            "LaunchDarkly API host %s (from %s), access token %s",
            settings.host,
            settings.host_source,
            f"from {settings.token_source}" if settings.token else "not set",
        )

    def _settings(self) -> ProviderSettings:
        with _SETTINGS_LOCK:
            settings = _SETTINGS.get(self)
        if settings is None:
            try:
                settings = ProviderSettings.resolve({})
            except SettingsError as exc:
                settings = exc
        if isinstance(settings, SettingsError):
            raise LaunchDarklyError(f"cannot configure pulumi-ld-auditsubs: {settings}") from None
        return settings

    # -- preview-time hooks: no network -------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        try:
            settings: ProviderSettings | None = self._settings()
            settings_error = None
        except LaunchDarklyError as exc:  # a bad setting: one clean line per resource, at preview
            settings, settings_error = None, f"{exc}."
        checked = subscriptions.check(news, settings, settings_error)
        for warning in checked.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return CheckResult(checked.inputs, [CheckFailure(f.property, f.reason) for f in checked.failures])

    @_boundary("preview changes to")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diffed = subscriptions.diff(olds, news, self._settings())
        return DiffResult(changes=diffed.changes, replaces=diffed.replaces, delete_before_replace=False)

    # -- hooks that call LaunchDarkly: every failure leaves as one actionable line -------------------

    @_boundary("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        created = subscriptions.create(props, self._settings())
        return CreateResult(created.id, created.outputs)

    @_boundary("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(subscriptions.update(id_, olds, news, self._settings()))

    @_boundary("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = subscriptions.read(id_, props, self._settings())
        if found.id is None:
            return ReadResult(None, {})
        return ReadResult(found.id, found.outputs, found.inputs)

    @_boundary("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        subscriptions.delete(id_, props, self._settings())


def _log_to_stderr() -> None:
    """Show this library's info lines in the provider process (the engine displays its stderr)."""
    package = logging.getLogger("pulumi_ld_auditsubs")
    if any(isinstance(handler, _CurrentStderr) for handler in package.handlers):
        return
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(levelname)s: pulumi-ld-auditsubs: %(message)s"))
    package.addHandler(handler)
    package.setLevel(logging.INFO)


class _CurrentStderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (it may be replaced)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never fail a step
            self.handleError(record)

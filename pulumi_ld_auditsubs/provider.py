"""The dynamic provider: Pulumi's check/diff/create/read/update/delete hooks over LaunchDarkly's API.

Each hook is thin: parse the property bag, decide with the pure modules (:mod:`.models` validates and
builds the wanted document, :mod:`.patch` turns two documents into the smallest JSON Patch), call
:mod:`.client`, and build the result. ``check`` and ``diff`` never touch the network because they run
during ``pulumi preview``.

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
from pulumi.output import Unknown
from pulumi.runtime.rpc import contains_unknowns

from pulumi_ld_auditsubs.api._net import same_host
from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, client_for
from pulumi_ld_auditsubs.api.settings import (
    CONFIG_KEYS,
    HOST_ENV,
    HOST_KEY,
    MOVE_FROM_HOST_KEY,
    ProviderSettings,
    describe_source,
)
from pulumi_ld_auditsubs.errors import (
    LaunchDarklyError,
    NotFoundError,
    SettingsError,
    register_secret,
)
from pulumi_ld_auditsubs.operations import recovery
from pulumi_ld_auditsubs.rules.catalog import Integration, load_catalog
from pulumi_ld_auditsubs.rules.models import (
    INPUT_KEYS,
    NON_DIFFING_KEYS,
    PROVIDER_KEY,
    Subscription,
    check_inputs,
    comparable_live_document,
    desired_document,
    document_from_api,
)
from pulumi_ld_auditsubs.rules.patch import json_equal, same_tags, subscription_patch, with_declared_secrets
from pulumi_ld_auditsubs.rules.ref import ID_RULE, SubscriptionRef, is_subscription_id, split_ref

__all__ = ["PATCH_COMMENT", "AuditLogSubscriptionProvider", "ProviderSettings"]

log = logging.getLogger(__name__)
_Result = TypeVar("_Result")

PATCH_COMMENT = "Updated by Pulumi (pulumi-ld-auditsubs)"
"""The comment of a PATCH whose resource carries no ``changeComment`` (state written by older releases)."""


# -- the boundary: what the engine shows the user --------------------------------------------------


def _failure_line(
    action: str, provider: AuditLogSubscriptionProvider, args: tuple[Any, ...], exc: Exception
) -> str:
    """What failed, on which subscription, against which host, and what to do: one line."""
    id_ = args[0] if len(args) > 1 and isinstance(args[0], str) else None
    props = args[-1] if args and isinstance(args[-1], Mapping) else {}
    key, subscription_id = split_ref(id_) if id_ else (props.get("integrationKey"), None)
    where = f" (id {subscription_id})" if subscription_id else ""
    if isinstance(exc, LaunchDarklyError):
        detail = str(exc)  # ends with what to do, said once by the error's class (errors.py)
    else:
        detail = (
            f"unexpected {type(exc).__name__}: {exc}; this is a bug in pulumi-ld-auditsubs, please report it"
        )
    try:
        host = provider._settings().host
    except LaunchDarklyError:
        host = ""
    on_host = f" on {host}" if host and host not in detail else ""
    message = (
        f"failed to {action} {key!r} audit log subscription {props.get('name')!r}{where}{on_host}: {detail}"
    )
    message = " ".join(message.split()).rstrip(" .;")
    return f"{message}."  # the traceback's last line: one whole sentence


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
        try:
            settings = ProviderSettings.resolve({key: req.config.get(key) for key in CONFIG_KEYS})
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

    def _moving(self, recorded_host: object, action: str) -> bool:
        """Whether this run re-homes a subscription recorded at another host; refuses if not on purpose.

        A subscription is acted on only where it lives (its ``apiHost`` output): another instance's
        404 says nothing about it, so a refresh there would drop a live subscription from state and a
        delete would "succeed" while it keeps streaming. State written before ``apiHost`` existed
        takes the current host. ``ld-auditsubs:moveFromApiHost`` naming the recorded host allows
        it; once re-homed, the recorded host is the current one, so the setting acts for one run.
        """
        settings = self._settings()
        if not isinstance(recorded_host, str) or not recorded_host or same_host(recorded_host, settings.host):
            return False
        if settings.move_from_host is not None and same_host(settings.move_from_host, recorded_host):
            return True
        raise LaunchDarklyError(
            f"it lives at {recorded_host} (recorded in the stack's state), but this run talks to "
            f"{settings.host} (from {describe_source(settings.host_source)}), so nothing was sent and "
            f"nothing was concluded from {settings.host}. Point the stack back at {recorded_host} "
            f"(`pulumi config set {HOST_KEY} {recorded_host}`, or set {HOST_ENV} to it); or, to "
            f"{action} it at {settings.host} on purpose, run once with "
            f"`pulumi config set {MOVE_FROM_HOST_KEY} {recorded_host}`"
        )

    # -- preview-time hooks: no network -------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        settings_failures: list[CheckFailure] = []
        try:
            settings = self._settings()
            allow_unknown, strict_actions = settings.allow_unknown_integrations, settings.strict_actions
        except LaunchDarklyError as exc:  # a bad setting: one clean line per resource, at preview
            allow_unknown = strict_actions = False
            settings_failures.append(CheckFailure("", f"{exc}."))
        report = check_inputs(
            {k: v for k, v in news.items() if k != PROVIDER_KEY},
            catalog=load_catalog(),
            allow_unknown_integrations=allow_unknown,
            is_unknown=_is_unknown,
            strict_actions=strict_actions,
        )
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        failures = [CheckFailure(f.property, f.reason) for f in report.failures]
        return CheckResult(dict(report.inputs), settings_failures + failures)

    @_boundary("preview changes to")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Refused here already, so a preview against another host says so before anything runs.
        moving = self._moving(olds.get("apiHost"), "move")
        old_key, new_key = olds.get("integrationKey"), news.get("integrationKey")
        if contains_unknowns(new_key) or old_key != new_key:
            return DiffResult(changes=True, replaces=["integrationKey"], delete_before_replace=False)
        relevant = {k: news.get(k) for k in INPUT_KEYS if k not in NON_DIFFING_KEYS}
        if contains_unknowns(relevant):
            return DiffResult(changes=True, replaces=[])
        integration = _integration(new_key)
        changed = subscription_patch(desired_document(olds, integration), desired_document(news, integration))
        return DiffResult(changes=bool(changed) or moving, replaces=[])

    # -- hooks that call LaunchDarkly: every failure leaves as one actionable line -------------------

    @_boundary("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        key = str(props["integrationKey"])
        settings = self._settings()
        integration = _integration(key)
        wanted = desired_document(props, integration)
        client = client_for(settings)
        _register_secrets(props, integration)
        adopt_id = props.get("adoptId")
        if adopt_id:
            live = self._adopt(client, key, str(adopt_id), wanted, integration, _change_comment(props))
            recovery.claim(live.id)
        else:
            live = recovery.create_exactly_once(
                client,
                key,
                _post_body(props, wanted),
                wanted,
                integration,
                wait_seconds=settings.create_recovery_seconds,
            )
        return CreateResult(
            SubscriptionRef(key, live.id).resource_id,
            _outputs(props, live, integration, api_host=settings.host),
        )

    @_boundary("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ref = SubscriptionRef.from_resource_id(id_)
        key, subscription_id = ref.integration_key, ref.subscription_id
        moving = self._moving(olds.get("apiHost"), "move")
        settings = self._settings()
        integration = _integration(key)
        _register_secrets(olds, integration)
        _register_secrets(news, integration)
        if moving:  # re-homed on purpose: take it over where it is now, like an adoption
            live = self._take_over(
                client_for(settings),
                key,
                subscription_id,
                desired_document(news, integration),
                integration,
                _change_comment(news),
                ours=True,
                missing=(
                    f"it is not at {settings.host} (ld-auditsubs:moveFromApiHost {olds.get('apiHost')}); "
                    "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it there"
                ),
            )
            return UpdateResult(_outputs(news, live, integration, api_host=settings.host))
        operations = subscription_patch(
            desired_document(olds, integration), desired_document(news, integration)
        )
        if not operations:
            return UpdateResult(_outputs(news, None, integration, previous=olds, api_host=settings.host))
        try:
            live = client_for(settings).patch_subscription(
                key, subscription_id, operations, comment=_change_comment(news)
            )
        except NotFoundError:
            raise LaunchDarklyError(
                "it no longer exists in LaunchDarkly; run `pulumi refresh` to drop it from the stack, "
                "then `pulumi up` to recreate it"
            ) from None
        return UpdateResult(_outputs(news, live, integration, api_host=settings.host))

    @_boundary("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        ref = SubscriptionRef.from_resource_id(id_)
        key, subscription_id = ref.integration_key, ref.subscription_id
        moving = self._moving(props.get("apiHost"), "move")
        settings = self._settings()
        try:
            live = client_for(settings).get_subscription(key, subscription_id)
        except NotFoundError:  # LaunchDarkly's own 404, from the host that holds it: deleted out of band
            if moving:
                _left_behind(id_, props.get("apiHost"), settings.host, "dropped from the stack")
            return ReadResult(None, {})
        integration = _integration(key)
        inputs = _refreshed_inputs(props, live, integration)
        return ReadResult(id_, _outputs(inputs, live, integration, api_host=settings.host), inputs)

    @_boundary("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        ref = SubscriptionRef.from_resource_id(id_)
        key, subscription_id = ref.integration_key, ref.subscription_id
        moving = self._moving(props.get("apiHost"), "delete")
        settings = self._settings()
        try:
            client_for(settings).delete_subscription(key, subscription_id)
        except NotFoundError:  # LaunchDarkly's own 404, from the host that holds it: already gone
            if moving:
                _left_behind(id_, props.get("apiHost"), settings.host, "removed from the stack")

    # -- helpers that need the client ----------------------------------------------------------

    def _adopt(
        self,
        client: LaunchDarklyClient,
        key: str,
        adopt_id: str,
        wanted: dict[str, Any],
        integration: Integration | None,
        comment: str,
    ) -> Subscription:
        """Take over an existing subscription: one GET, then one PATCH if it differs."""
        adopt_key, subscription_id = split_ref(adopt_id)
        if adopt_key is not None and adopt_key != key:
            raise LaunchDarklyError(
                f"adoptId {adopt_id!r} names integration {adopt_key!r}, but integrationKey is {key!r}"
            )
        if not is_subscription_id(subscription_id):
            raise LaunchDarklyError(f"adoptId {adopt_id!r} is not a subscription id ({ID_RULE})")
        return self._take_over(
            client,
            key,
            subscription_id,
            wanted,
            integration,
            comment,
            missing=(
                f"adoptId {adopt_id!r}: no {key!r} audit log subscription with id {subscription_id!r} "
                "exists in LaunchDarkly; remove adoptId to create a new one"
            ),
        )

    def _take_over(
        self,
        client: LaunchDarklyClient,
        key: str,
        subscription_id: str,
        wanted: dict[str, Any],
        integration: Integration | None,
        comment: str,
        *,
        missing: str,
        ours: bool = False,
    ) -> Subscription:
        """One GET, then one PATCH if the live subscription differs from ``wanted``.

        Someone else's subscription (adoption) gets the declared secrets, since a masked value cannot
        prove them; ``ours`` (a re-homed one) keeps a masked secret consistent with the declared
        one, as refresh does, so an unchanged secret is not re-sent.
        """
        try:
            live = client.get_subscription(key, subscription_id)
        except NotFoundError:
            raise LaunchDarklyError(missing) from None
        current = comparable_live_document(live, integration)
        if ours:
            current["config"] = with_declared_secrets(
                current["config"], wanted.get("config") or {}, integration
            )
        operations = subscription_patch(current, wanted)
        if not operations:
            return live
        return client.patch_subscription(key, subscription_id, operations, comment=comment)


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


def _left_behind(id_: str, recorded_host: object, host: str, what: str) -> None:
    """Say where a re-homed subscription that the new host does not know may still be streaming."""
    log.warning(
        "subscription %s is not at %s, so it was %s as ld-auditsubs:moveFromApiHost allows; "
        "if it still exists at %s it keeps streaming there: delete it there if it should stop",
        id_,
        host,
        what,
        recorded_host,
    )


def _register_secrets(props: Mapping[str, Any], integration: Integration | None) -> None:
    """Scrub this resource's secret config values from every error message, even an API answer's.

    LaunchDarkly's 400 may quote what was sent (a webhook URL it refused); the errors module
    scrubs registered secrets from every message, as it does for the token.
    """
    config = props.get("config")
    if integration is None or not isinstance(config, Mapping):
        return
    for name in integration.state_secret_keys:
        value = config.get(name)
        if isinstance(value, str):
            register_secret(value)


def _change_comment(props: Mapping[str, Any]) -> str:
    """The comment LaunchDarkly records with a PATCH: the program's ``changeComment``, else the fixed one."""
    comment = props.get("changeComment")
    return comment if isinstance(comment, str) and comment.strip() else PATCH_COMMENT


def _is_unknown(value: object) -> bool:
    """A value Pulumi does not know yet (preview); judged later, once it is known."""
    return isinstance(value, Unknown)


def _integration(key: object) -> Integration | None:
    return load_catalog().get(key) if isinstance(key, str) else None


def _post_body(props: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The create body: what the user declared (LaunchDarkly fills in its own defaults)."""
    return {
        "name": wanted["name"],
        "config": dict(props.get("config") or {}),
        "on": wanted["on"],
        "tags": list(wanted["tags"]),
        "statements": list(wanted["statements"]),
    }


def _outputs(
    inputs: Mapping[str, Any],
    live: Subscription | None,
    integration: Integration | None,
    *,
    api_host: str,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The resource's outputs: the declared inputs (secrets as declared), what LaunchDarkly assigned,
    and the API host that holds the subscription (so no other host is ever asked about it)."""
    outputs = {k: inputs[k] for k in INPUT_KEYS if inputs.get(k) is not None}
    config = dict(outputs.get("config") or {})
    if live is None:  # nothing was sent: what LaunchDarkly assigned is already in state
        previous = previous or {}
        subscription_id, status = previous.get("subscriptionId"), previous.get("status")
    else:
        subscription_id, status = live.id, live.status
        if integration is not None:
            config.update({k: live.config[k] for k in integration.generated_keys if k in live.config})
    outputs["config"] = config
    outputs["subscriptionId"] = subscription_id
    outputs["status"] = status or {}
    outputs["apiHost"] = api_host
    return outputs


def _refreshed_inputs(
    stored: Mapping[str, Any], live: Subscription, integration: Integration | None
) -> dict[str, Any]:
    """The inputs that describe the live subscription, phrased like the stored ones.

    Non-secret values come from LaunchDarkly, so out-of-band edits show up as drift in the next
    preview. A masked secret consistent with the stored value keeps the stored value; one whose
    visible characters differ is drift and is stored masked, so the next ``up`` writes the declared
    secret again. Undeclared optional fields are added only when they differ from their default.
    """
    document = document_from_api(live)
    inputs = {k: stored[k] for k in INPUT_KEYS if stored.get(k) is not None}
    inputs["name"] = document["name"]
    inputs["on"] = document["on"]
    stored_tags = list(stored.get("tags") or [])
    inputs["tags"] = stored_tags if same_tags(stored_tags, document["tags"]) else list(document["tags"])
    inputs["statements"] = document["statements"]

    stored_config: Mapping[str, Any] = stored.get("config") or {}
    defaults = integration.defaults if integration else {}
    generated = integration.generated_keys if integration else frozenset()
    config: dict[str, Any] = {}
    for name, value in with_declared_secrets(document["config"], stored_config, integration).items():
        if name in generated:
            continue
        if name in stored_config or name not in defaults or not json_equal(defaults[name], value):
            config[name] = value
    inputs["config"] = config
    return inputs

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

import contextlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

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

from pulumi_ld_auditsubs.catalog import Integration, load_catalog
from pulumi_ld_auditsubs.client import DEFAULT_HOST, LaunchDarklyClient, validate_host
from pulumi_ld_auditsubs.errors import ApiConnectionError, ApiError, LaunchDarklyError, NotFoundError
from pulumi_ld_auditsubs.masking import looks_masked, mask_matches
from pulumi_ld_auditsubs.models import (
    INPUT_KEYS,
    NON_DIFFING_KEYS,
    PROVIDER_KEY,
    check_inputs,
    desired_document,
    document_from_api,
    split_adopt_id,
)
from pulumi_ld_auditsubs.patch import subscription_patch

log = logging.getLogger(__name__)

PATCH_COMMENT = "Updated by Pulumi (pulumi-ld-auditsubs)"
"""The comment of a PATCH whose resource carries no ``changeComment`` (state written by older releases)."""


@dataclass(frozen=True)
class ProviderSettings:
    """What ``configure()`` resolved: where to send requests, and with which token."""

    host: str
    token: str | None
    allow_unknown_integrations: bool = False

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return (
            f"ProviderSettings(host={self.host!r}, token={'<set>' if self.token else None}, "
            f"allow_unknown_integrations={self.allow_unknown_integrations})"
        )

    @classmethod
    def resolve(cls, config: Mapping[str, str | None]) -> ProviderSettings:
        """Stack config first, then the environment, then LaunchDarkly's commercial host."""
        token = config.get("launchdarkly:accessToken") or os.environ.get("LAUNCHDARKLY_ACCESS_TOKEN")
        host = config.get("launchdarkly:apiHost") or os.environ.get("LAUNCHDARKLY_API_HOST") or DEFAULT_HOST
        allow = (config.get("launchdarkly:allowUnknownIntegrations") or "").strip().lower() == "true"
        return cls(host=validate_host(host), token=token or None, allow_unknown_integrations=allow)


_SETTINGS: weakref.WeakKeyDictionary[AuditLogSubscriptionProvider, ProviderSettings] = (
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
        keys = ("launchdarkly:accessToken", "launchdarkly:apiHost", "launchdarkly:allowUnknownIntegrations")
        settings = ProviderSettings.resolve({key: req.config.get(key) for key in keys})
        with _SETTINGS_LOCK:
            _SETTINGS[self] = settings

    def _settings(self) -> ProviderSettings:
        with _SETTINGS_LOCK:
            settings = _SETTINGS.get(self)
        return settings if settings is not None else ProviderSettings.resolve({})

    def _client(self) -> LaunchDarklyClient:
        settings = self._settings()
        return LaunchDarklyClient(settings.host, settings.token)

    # -- preview-time hooks: no network -------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        report = check_inputs(
            {k: v for k, v in news.items() if k != PROVIDER_KEY},
            catalog=load_catalog(),
            allow_unknown_integrations=self._settings().allow_unknown_integrations,
            is_unknown=_is_unknown,
        )
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        failures = [CheckFailure(f.property, f.reason) for f in report.failures]
        return CheckResult(dict(report.inputs), failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_key, new_key = olds.get("integrationKey"), news.get("integrationKey")
        if contains_unknowns(new_key) or old_key != new_key:
            return DiffResult(changes=True, replaces=["integrationKey"], delete_before_replace=False)
        relevant = {k: news.get(k) for k in INPUT_KEYS if k not in NON_DIFFING_KEYS}
        if contains_unknowns(relevant):
            return DiffResult(changes=True, replaces=[])
        integration = _integration(new_key)
        changed = subscription_patch(desired_document(olds, integration), desired_document(news, integration))
        return DiffResult(changes=bool(changed), replaces=[])

    # -- hooks that call LaunchDarkly -----------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        key = str(props["integrationKey"])
        integration = _integration(key)
        wanted = desired_document(props, integration)
        client = self._client()
        adopt_id = props.get("adoptId")
        with _naming_the_subscription("create", key, props.get("name")):
            if adopt_id:
                live = self._adopt(client, key, str(adopt_id), wanted, integration, _change_comment(props))
            else:
                live = self._post(client, key, _post_body(props, wanted), wanted, integration)
        return CreateResult(f"{key}/{live['_id']}", _outputs(props, live, integration))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        key, subscription_id = _split_id(id_)
        integration = _integration(key)
        operations = subscription_patch(
            desired_document(olds, integration), desired_document(news, integration)
        )
        if not operations:
            return UpdateResult(_outputs(news, None, integration, previous=olds))
        try:
            with _naming_the_subscription("update", key, news.get("name"), subscription_id):
                live = self._client().patch_subscription(
                    key, subscription_id, operations, comment=_change_comment(news)
                )
        except NotFoundError as exc:
            raise LaunchDarklyError(
                f"audit log subscription {id_!r} ({news.get('name')!r}) no longer exists in LaunchDarkly; "
                "run `pulumi refresh` to drop it from the stack, then `pulumi up` to recreate it"
            ) from exc
        return UpdateResult(_outputs(news, live, integration))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        key, subscription_id = _split_id(id_)
        try:
            live = self._client().get_subscription(key, subscription_id)
        except NotFoundError:
            return ReadResult(None, {})  # deleted out of band: the engine drops it from state
        integration = _integration(key)
        inputs = _refreshed_inputs(props, live, integration)
        return ReadResult(id_, _outputs(inputs, live, integration), inputs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        key, subscription_id = _split_id(id_)
        with (
            contextlib.suppress(NotFoundError),  # already gone: deleting is done
            _naming_the_subscription("delete", key, _props.get("name"), subscription_id),
        ):
            self._client().delete_subscription(key, subscription_id)

    # -- helpers that need the client ----------------------------------------------------------

    def _adopt(
        self,
        client: LaunchDarklyClient,
        key: str,
        adopt_id: str,
        wanted: dict[str, Any],
        integration: Integration | None,
        comment: str,
    ) -> dict[str, Any]:
        """Take over an existing subscription: one GET, then one PATCH if it differs."""
        adopt_key, subscription_id = split_adopt_id(adopt_id)
        if adopt_key is not None and adopt_key != key:
            raise LaunchDarklyError(
                f"adoptId {adopt_id!r} names integration {adopt_key!r}, but integrationKey is {key!r}"
            )
        try:
            live = client.get_subscription(key, subscription_id)
        except NotFoundError as exc:
            raise LaunchDarklyError(
                f"adoptId {adopt_id!r}: no {key!r} audit log subscription with id {subscription_id!r} "
                "exists in LaunchDarkly; remove adoptId to create a new one"
            ) from exc
        operations = subscription_patch(_comparable(document_from_api(live), integration), wanted)
        if not operations:
            return live
        return client.patch_subscription(key, subscription_id, operations, comment=comment)

    def _post(
        self,
        client: LaunchDarklyClient,
        key: str,
        body: dict[str, Any],
        wanted: dict[str, Any],
        integration: Integration | None,
    ) -> dict[str, Any]:
        """POST once; if the answer was lost, find what the POST created instead of creating twice."""
        try:
            return client.create_subscription(key, body)
        except ApiConnectionError:
            for candidate in client.list_subscriptions(key):
                if _same_subscription(candidate, wanted, integration):
                    log.info("recovered subscription %s after a lost create response", candidate.get("_id"))
                    return candidate
            return client.create_subscription(key, body)


@contextlib.contextmanager
def _naming_the_subscription(
    action: str, key: str, name: object, subscription_id: str | None = None
) -> Iterator[None]:
    """Say which subscription an API failure is about (a 404 passes through for the caller to judge)."""
    try:
        yield
    except NotFoundError:
        raise
    except ApiError as exc:
        where = f" (id {subscription_id})" if subscription_id else ""
        raise LaunchDarklyError(
            f"failed to {action} {key!r} audit log subscription {name!r}{where}: {exc}"
        ) from exc


def _change_comment(props: Mapping[str, Any]) -> str:
    """The comment LaunchDarkly records with a PATCH: the program's ``changeComment``, else the fixed one."""
    comment = props.get("changeComment")
    return comment if isinstance(comment, str) and comment.strip() else PATCH_COMMENT


def _is_unknown(value: object) -> bool:
    """A value Pulumi does not know yet (preview); judged later, once it is known."""
    return isinstance(value, Unknown)


def _integration(key: object) -> Integration | None:
    return load_catalog().get(key) if isinstance(key, str) else None


def _split_id(id_: str) -> tuple[str, str]:
    key, sep, subscription_id = id_.rpartition("/")
    if not sep or not key or not subscription_id:
        raise LaunchDarklyError(f"resource id {id_!r} is not of the form '<integrationKey>/<subscriptionId>'")
    return key, subscription_id


def _post_body(props: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The create body: what the user declared (LaunchDarkly fills in its own defaults)."""
    return {
        "name": wanted["name"],
        "config": dict(props.get("config") or {}),
        "on": wanted["on"],
        "tags": list(wanted["tags"]),
        "statements": list(wanted["statements"]),
    }


def _comparable(live_document: dict[str, Any], integration: Integration | None) -> dict[str, Any]:
    """A live document with generated fields dropped, as :func:`desired_document` drops them."""
    if integration is None:
        return live_document
    config = {k: v for k, v in live_document.get("config", {}).items() if k not in integration.generated_keys}
    return {**live_document, "config": config}


def _same_subscription(
    candidate: Mapping[str, Any], wanted: Mapping[str, Any], integration: Integration | None
) -> bool:
    live = _comparable(document_from_api(candidate), integration)
    secrets = integration.secret_keys if integration else frozenset()
    for field_name in ("name", "on", "statements"):
        if live.get(field_name) != wanted.get(field_name):
            return False
    if set(live.get("tags", [])) != set(wanted.get("tags", [])):
        return False
    live_config, wanted_config = live.get("config", {}), wanted.get("config", {})
    if set(live_config) != set(wanted_config):
        return False
    for name, value in wanted_config.items():
        if name in secrets and looks_masked(live_config[name]):
            if not mask_matches(live_config[name], str(value)):
                return False
        elif live_config[name] != value:
            return False
    return True


def _outputs(
    inputs: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    integration: Integration | None,
    *,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The resource's outputs: the declared inputs (secrets as declared) plus what LaunchDarkly assigned."""
    outputs = {k: inputs[k] for k in INPUT_KEYS if inputs.get(k) is not None}
    config = dict(outputs.get("config") or {})
    if live is None:  # nothing was sent: what LaunchDarkly assigned is already in state
        previous = previous or {}
        subscription_id, status = previous.get("subscriptionId"), previous.get("status")
    else:
        subscription_id, status = live.get("_id"), live.get("_status")
        if integration is not None:
            live_config = live.get("config") or {}
            config.update({k: live_config[k] for k in integration.generated_keys if k in live_config})
    outputs["config"] = config
    outputs["subscriptionId"] = subscription_id
    outputs["status"] = status or {}
    return outputs


def _refreshed_inputs(
    stored: Mapping[str, Any], live: Mapping[str, Any], integration: Integration | None
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
    inputs["tags"] = stored_tags if set(stored_tags) == set(document["tags"]) else list(document["tags"])
    inputs["statements"] = document["statements"]

    stored_config: Mapping[str, Any] = stored.get("config") or {}
    live_config: Mapping[str, Any] = document["config"]
    secrets = integration.secret_keys if integration else frozenset()
    defaults = integration.defaults if integration else {}
    generated = integration.generated_keys if integration else frozenset()
    config: dict[str, Any] = {}
    for name, value in live_config.items():
        if name in generated:
            continue
        # Outside the catalog we cannot know which fields are secret: a masked value tells.
        maybe_secret = name in secrets or (integration is None and looks_masked(value))
        if maybe_secret and name in stored_config and looks_masked(value):
            config[name] = stored_config[name] if mask_matches(value, str(stored_config[name])) else value
        elif name in stored_config or name not in defaults or defaults[name] != value:
            config[name] = value
    inputs["config"] = config
    return inputs

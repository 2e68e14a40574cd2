"""The resource's operations, once for both hosts: check, diff, create, update, read, delete.

Each takes plain property maps (wire names; a value Pulumi does not know yet is a
``pulumi.output.Unknown``) and the resolved :class:`ProviderSettings`, decides with the pure rules
(:mod:`..rules.models` validates and builds the wanted document, :mod:`..rules.patch` turns two
documents into the smallest JSON Patch), calls the client, and returns plain results. The dynamic
provider (:mod:`pulumi_ld_auditsubs.provider`) and the native plugin (:mod:`pulumi_ld_auditsubs.plugin`)
only translate their protocol at the edge, so the two behave alike by construction: the same Check
messages, the same requests, the same recovery, pinning and adoption. ``check`` and ``diff`` never
touch the network because they run during ``pulumi preview``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import contains_unknowns

from pulumi_ld_auditsubs.api._net import same_host
from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, client_for
from pulumi_ld_auditsubs.api.settings import (
    HOST_ENV,
    HOST_KEY,
    MOVE_FROM_HOST_KEY,
    ProviderSettings,
    describe_source,
)
from pulumi_ld_auditsubs.errors import LaunchDarklyError, NotFoundError, register_secret
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

__all__ = [
    "PATCH_COMMENT",
    "Checked",
    "Created",
    "Diffed",
    "Failure",
    "Refreshed",
    "check",
    "create",
    "delete",
    "diff",
    "failure_line",
    "read",
    "update",
]

log = logging.getLogger("pulumi_ld_auditsubs.provider")

PATCH_COMMENT = "Updated by Pulumi (pulumi-ld-auditsubs)"
"""The comment of a PATCH whose resource carries no ``changeComment`` (state written by older releases)."""


@dataclass(frozen=True)
class Failure:
    """One Check failure: the property ('' for the whole resource) and what is wrong with it."""

    property: str
    reason: str


@dataclass(frozen=True)
class Checked:
    inputs: dict[str, Any]
    failures: list[Failure]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Diffed:
    changes: bool
    replaces: list[str]
    changed_keys: list[str] = field(default_factory=list)
    """The input keys whose change makes ``changes`` true (for a detailed diff)."""


@dataclass(frozen=True)
class Created:
    id: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Refreshed:
    """What a read found: nothing (``id`` None: deleted out of band), or the outputs and inputs."""

    id: str | None
    outputs: dict[str, Any]
    inputs: dict[str, Any]


# -- what the user reads when an operation fails ------------------------------------------------------


def failure_line(action: str, id_: str | None, props: Mapping[str, Any], host: str, exc: Exception) -> str:
    """What failed, on which subscription, against which host, and what to do: one sentence."""
    key, subscription_id = split_ref(id_) if id_ else (props.get("integrationKey"), None)
    where = f" (id {subscription_id})" if subscription_id else ""
    if isinstance(exc, LaunchDarklyError):
        detail = str(exc)  # ends with what to do, said once by the error's class (errors.py)
    else:
        detail = (
            f"unexpected {type(exc).__name__}: {exc}; this is a bug in pulumi-ld-auditsubs, please report it"
        )
    on_host = f" on {host}" if host and host not in detail else ""
    message = (
        f"failed to {action} {key!r} audit log subscription {props.get('name')!r}{where}{on_host}: {detail}"
    )
    message = " ".join(message.split()).rstrip(" .;")
    return f"{message}."


# -- preview-time operations: no network ----------------------------------------------------------------


def check(news: Mapping[str, Any], settings: ProviderSettings | None, settings_error: str | None) -> Checked:
    """Validate the inputs; a bad setting (``settings_error``) is one more failure of the resource."""
    failures = [Failure("", settings_error)] if settings_error else []
    report = check_inputs(
        {k: v for k, v in news.items() if k != PROVIDER_KEY},
        catalog=load_catalog(),
        allow_unknown_integrations=settings.allow_unknown_integrations if settings else False,
        is_unknown=is_unknown,
        strict_actions=settings.strict_actions if settings else False,
    )
    failures += [Failure(f.property, f.reason) for f in report.failures]
    return Checked(dict(report.inputs), failures, list(report.warnings))


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], settings: ProviderSettings) -> Diffed:
    # Refused here already, so a preview against another host says so before anything runs.
    moving = _moving(settings, olds.get("apiHost"), "move")
    old_key, new_key = olds.get("integrationKey"), news.get("integrationKey")
    if contains_unknowns(new_key) or old_key != new_key:
        return Diffed(changes=True, replaces=["integrationKey"], changed_keys=["integrationKey"])
    relevant = {k: news.get(k) for k in INPUT_KEYS if k not in NON_DIFFING_KEYS}
    if contains_unknowns(relevant):
        unknown = [k for k, v in relevant.items() if contains_unknowns(v)]
        return Diffed(changes=True, replaces=[], changed_keys=unknown)
    integration = integration_of(new_key)
    changed = subscription_patch(desired_document(olds, integration), desired_document(news, integration))
    keys = sorted({op["path"].split("/")[1] for op in changed})
    return Diffed(changes=bool(changed) or moving, replaces=[], changed_keys=keys)


# -- operations that call LaunchDarkly -----------------------------------------------------------------


def create(props: Mapping[str, Any], settings: ProviderSettings) -> Created:
    key = str(props["integrationKey"])
    integration = integration_of(key)
    wanted = desired_document(props, integration)
    client = client_for(settings)
    _register_secrets(props, integration)
    adopt_id = props.get("adoptId")
    if adopt_id:
        live = _adopt(client, key, str(adopt_id), wanted, integration, _change_comment(props))
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
    return Created(
        SubscriptionRef(key, live.id).resource_id,
        _outputs(props, live, integration, api_host=settings.host),
    )


def update(
    id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], settings: ProviderSettings
) -> dict[str, Any]:
    ref = SubscriptionRef.from_resource_id(id_)
    key, subscription_id = ref.integration_key, ref.subscription_id
    moving = _moving(settings, olds.get("apiHost"), "move")
    integration = integration_of(key)
    _register_secrets(olds, integration)
    _register_secrets(news, integration)
    if moving:  # re-homed on purpose: take it over where it is now, like an adoption
        live = _take_over(
            client_for(settings),
            key,
            subscription_id,
            desired_document(news, integration),
            integration,
            _change_comment(news),
            ours=True,
            missing=(
                f"it is not at {settings.host} ({settings.names.of(MOVE_FROM_HOST_KEY)} "
                f"{olds.get('apiHost')}); run `pulumi refresh` to drop it from the stack, then "
                "`pulumi up` to create it there"
            ),
        )
        return _outputs(news, live, integration, api_host=settings.host)
    operations = subscription_patch(desired_document(olds, integration), desired_document(news, integration))
    if not operations:
        return _outputs(news, None, integration, previous=olds, api_host=settings.host)
    try:
        live = client_for(settings).patch_subscription(
            key, subscription_id, operations, comment=_change_comment(news)
        )
    except NotFoundError:
        raise LaunchDarklyError(
            "it no longer exists in LaunchDarkly; run `pulumi refresh` to drop it from the stack, "
            "then `pulumi up` to recreate it"
        ) from None
    return _outputs(news, live, integration, api_host=settings.host)


def read(id_: str, props: Mapping[str, Any], settings: ProviderSettings) -> Refreshed:
    """A refresh (``props`` = the state) or an import (``props`` empty): one GET either way."""
    ref = SubscriptionRef.from_resource_id(id_)
    key, subscription_id = ref.integration_key, ref.subscription_id
    moving = _moving(settings, props.get("apiHost"), "move")
    try:
        live = client_for(settings).get_subscription(key, subscription_id)
    except NotFoundError:  # LaunchDarkly's own 404, from the host that holds it: deleted out of band
        if moving:
            _left_behind(id_, props.get("apiHost"), settings.host, "dropped from the stack")
        return Refreshed(None, {}, {})
    integration = integration_of(key)
    inputs = _refreshed_inputs(props, live, integration)
    inputs.setdefault("integrationKey", key)  # an import knows it from the ID only
    return Refreshed(id_, _outputs(inputs, live, integration, api_host=settings.host), inputs)


def delete(id_: str, props: Mapping[str, Any], settings: ProviderSettings) -> None:
    ref = SubscriptionRef.from_resource_id(id_)
    key, subscription_id = ref.integration_key, ref.subscription_id
    moving = _moving(settings, props.get("apiHost"), "delete")
    try:
        client_for(settings).delete_subscription(key, subscription_id)
    except NotFoundError:  # LaunchDarkly's own 404, from the host that holds it: already gone
        if moving:
            _left_behind(id_, props.get("apiHost"), settings.host, "removed from the stack")


# -- helpers ------------------------------------------------------------------------------------------


def _moving(settings: ProviderSettings, recorded_host: object, action: str) -> bool:
    """Whether this run re-homes a subscription recorded at another host; refuses if not on purpose.

    A subscription is acted on only where it lives (its ``apiHost`` output): another instance's
    404 says nothing about it, so a refresh there would drop a live subscription from state and a
    delete would "succeed" while it keeps streaming. State written before ``apiHost`` existed
    takes the current host. ``ld-auditsubs:moveFromApiHost`` naming the recorded host allows
    it; once re-homed, the recorded host is the current one, so the setting acts for one run.
    """
    if not isinstance(recorded_host, str) or not recorded_host or same_host(recorded_host, settings.host):
        return False
    if settings.move_from_host is not None and same_host(settings.move_from_host, recorded_host):
        return True
    names = settings.names
    raise LaunchDarklyError(
        f"it lives at {recorded_host} (recorded in the stack's state), but this run talks to "
        f"{settings.host} (from {describe_source(settings.host_source)}), so nothing was sent and "
        f"nothing was concluded from {settings.host}. Point the stack back at {recorded_host} "
        f"({names.how_to_set(HOST_KEY, recorded_host)}, or set {HOST_ENV} to it); or, to "
        f"{action} it at {settings.host} on purpose, run once with "
        f"{names.how_to_set(MOVE_FROM_HOST_KEY, recorded_host)}"
    )


def _adopt(
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
    return _take_over(
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
        current["config"] = with_declared_secrets(current["config"], wanted.get("config") or {}, integration)
    operations = subscription_patch(current, wanted)
    if not operations:
        return live
    return client.patch_subscription(key, subscription_id, operations, comment=comment)


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


def is_unknown(value: object) -> bool:
    """A value Pulumi does not know yet (preview); judged later, once it is known."""
    return isinstance(value, Unknown)


def integration_of(key: object) -> Integration | None:
    """The catalog's entry for an integration key (None for an unknown or not yet known key)."""
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

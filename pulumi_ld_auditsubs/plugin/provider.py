"""The native plugin's provider: the provider protocol's operations over the shared ones.

Each method takes plain values (decoded by :mod:`.values`, with the paths that came in secret), runs
the operation of :mod:`pulumi_ld_auditsubs.operations.subscriptions` off the event loop (blocking
HTTP in one shared pool, so as many operations run at once as the engine sends), and says which
output paths are secret. One plugin process serves one provider (the engine starts one per default
or explicit provider), so the settings from Configure are this object's.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, client_for
from pulumi_ld_auditsubs.api.settings import (
    HOST_KEY,
    PLUGIN_DEFAULT_NAMES,
    SETTINGS_PREFIX,
    TOKEN_KEY,
    ProviderSettings,
    SettingNames,
    explicit_provider_names,
)
from pulumi_ld_auditsubs.errors import LaunchDarklyError, MissingCredentialsError, SettingsError
from pulumi_ld_auditsubs.operations import lookups, subscriptions
from pulumi_ld_auditsubs.operations.subscriptions import Diffed, Failure, integration_of
from pulumi_ld_auditsubs.plugin.schema import GET_ALL_TOKEN, GET_ONE_TOKEN, RESOURCE_TOKEN
from pulumi_ld_auditsubs.plugin.values import Path, as_setting, unknown

__all__ = [
    "AuditLogSubscriptionPlugin",
    "Marked",
    "PluginFailure",
    "canonical_config",
    "names_for",
    "resolve",
]

_T = TypeVar("_T")

SDK_PROVIDER_KEYS = frozenset({"version", "pluginDownloadURL"})
"""Inputs Pulumi's SDKs add to every provider resource; not settings."""
MAX_IN_FLIGHT = 64
"""Operations run at once (the engine's ``--parallel`` decides how many it sends)."""
OUTPUT_SECRETS: frozenset[Path] = frozenset({("config",)})
"""Secret in every output: ``config`` as a whole (interface: "the whole config output is a secret")."""
_ASSIGNED = ("subscriptionId", "status", "apiHost")


class PluginFailure(Exception):
    """An operation's failure as the user reads it: one sentence, no traceback."""


@dataclass(frozen=True)
class Marked:
    """Plain values and the paths of them that are secret."""

    values: dict[str, Any]
    secrets: frozenset[Path]


def canonical_config(values: Mapping[str, Any]) -> dict[str, str | None]:
    """Provider inputs (``accessToken``, ``retryTimeoutSeconds``) under the settings' canonical keys."""
    config: dict[str, str | None] = {}
    for key, value in values.items():
        if key in SDK_PROVIDER_KEYS:
            continue
        canonical = {"accessToken": TOKEN_KEY, "apiHost": HOST_KEY}.get(key, SETTINGS_PREFIX + key)
        config[canonical] = as_setting(value)
    return config


def names_for(provider_urn: str) -> SettingNames:
    """How messages name the settings: the stack config for a default provider, else its inputs."""
    name = provider_urn.rsplit("::", 1)[-1] if provider_urn else "default"
    if name == "default" or name.startswith("default_"):
        return PLUGIN_DEFAULT_NAMES
    return explicit_provider_names(name)


def resolve(values: Mapping[str, Any], provider_urn: str) -> ProviderSettings:
    """The settings of a provider whose inputs (or ``ld-auditsubs:`` stack config) are ``values``."""
    return ProviderSettings.resolve(canonical_config(values), names=names_for(provider_urn))


class AuditLogSubscriptionPlugin:
    """``ld-auditsubs``: the AuditLogSubscription resource and the two lookup functions."""

    def __init__(self) -> None:
        self._settings: ProviderSettings | SettingsError | None = None
        self._pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="ld-auditsubs")

    # -- provider configuration ----------------------------------------------------------------

    def configure(self, values: Mapping[str, Any], provider_urn: str) -> list[str]:
        """Keep the settings (or the reason they are refused, reported by Check); return warnings."""
        try:
            settings = resolve(values, provider_urn)
        except SettingsError as exc:
            self._settings = exc
            return []
        self._settings = settings
        return list(settings.warnings)

    def settings(self) -> ProviderSettings:
        if self._settings is None:  # not configured (a protocol test may skip it): env and defaults
            try:
                self._settings = resolve({}, "")
            except SettingsError as exc:
                self._settings = exc
        if isinstance(self._settings, SettingsError):
            raise LaunchDarklyError(f"cannot configure pulumi-ld-auditsubs: {self._settings}") from None
        return self._settings

    # -- the resource ---------------------------------------------------------------------------

    def check(self, urn: str, news: Mapping[str, Any], secrets: set[Path]) -> tuple[Marked, list[Failure]]:
        """Validate; secret stays what came in secret, plus every secret config field."""
        _only_our_resource(urn)
        try:
            settings: ProviderSettings | None = self.settings()
            settings_error = None
        except LaunchDarklyError as exc:
            settings, settings_error = None, f"{exc}."
        checked = subscriptions.check(news, settings, settings_error)
        return Marked(checked.inputs, frozenset(secrets | _secret_fields(checked.inputs))), checked.failures

    async def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        return await self._run("preview changes to", id_, news, subscriptions.diff, olds, news)

    async def create(
        self, news: Mapping[str, Any], secrets: set[Path], *, preview: bool
    ) -> tuple[str, Marked]:
        marked = frozenset(secrets | OUTPUT_SECRETS)
        if preview:  # `pulumi preview`: nothing is sent; what LaunchDarkly assigns is unknown
            host = self._settings.host if isinstance(self._settings, ProviderSettings) else unknown()
            return "", Marked(
                {**news, "subscriptionId": unknown(), "status": unknown(), "apiHost": host}, marked
            )
        created = await self._run("create", None, news, subscriptions.create, news)
        return created.id, Marked(created.outputs, marked)

    async def update(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], secrets: set[Path], *, preview: bool
    ) -> Marked:
        marked = frozenset(secrets | OUTPUT_SECRETS)
        if preview:
            return Marked({**news, **{k: olds[k] for k in _ASSIGNED if k in olds}}, marked)
        return Marked(await self._run("update", id_, news, subscriptions.update, id_, olds, news), marked)

    async def read(
        self, id_: str, props: Mapping[str, Any], secrets: set[Path]
    ) -> tuple[str, Marked, Marked]:
        """A refresh, or ``pulumi import`` (an ID and no properties): one GET either way; "" if gone."""
        found = await self._run("refresh", id_, props, subscriptions.read, id_, props)
        if found.id is None:
            return "", Marked({}, frozenset()), Marked({}, frozenset())
        inputs_secret = frozenset(secrets | _secret_fields(found.inputs))
        return (
            found.id,
            Marked(found.outputs, inputs_secret | OUTPUT_SECRETS),
            Marked(found.inputs, inputs_secret),
        )

    async def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        await self._run("delete", id_, props, subscriptions.delete, id_, props)

    # -- the functions ----------------------------------------------------------------------------

    async def invoke(self, token: str, args: Mapping[str, Any]) -> Marked:
        """The lookups; every ``config`` they return is secret (LaunchDarkly's masked values included)."""
        if token == GET_ONE_TOKEN:
            lookup: Callable[[Mapping[str, Any]], dict[str, Any]] = self._get_one
        elif token == GET_ALL_TOKEN:
            lookup = self._get_all
        else:
            raise PluginFailure(
                f"unknown function {token!r}; this provider has {GET_ONE_TOKEN} and {GET_ALL_TOKEN}"
            )
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._pool, lookup, args)
        except (LaunchDarklyError, ValueError, TypeError) as exc:
            raise PluginFailure(str(exc)) from None
        found: Sequence[Any] = result.get("subscriptions", [])
        secrets = {("config",)} | {("subscriptions", str(i), "config") for i in range(len(found))}
        return Marked(result, frozenset(secrets))

    def _get_one(self, args: Mapping[str, Any]) -> dict[str, Any]:
        key, subscription_id = args.get("integrationKey"), args.get("subscriptionId")
        return lookups.record(
            lookups.find_one(self._lookup_client(), key, subscription_id, caller=GET_ONE_TOKEN)
        )

    def _get_all(self, args: Mapping[str, Any]) -> dict[str, Any]:
        found = lookups.find_all(
            self._lookup_client(),
            args.get("integrationKey"),
            args.get("tags"),
            args.get("name"),
            caller=GET_ALL_TOKEN,
        )
        return {"subscriptions": [lookups.record(item) for item in found]}

    def _lookup_client(self) -> LaunchDarklyClient:
        settings = self.settings()
        if settings.token is None:
            raise MissingCredentialsError(settings.token_source)
        return client_for(settings)

    # -- helpers ------------------------------------------------------------------------------------

    async def _run(
        self, action: str, id_: str | None, props: Mapping[str, Any], operation: Callable[..., _T], *args: Any
    ) -> _T:
        """Run one operation off the event loop; any failure becomes the one sentence the user reads."""
        loop = asyncio.get_running_loop()
        try:
            settings = self.settings()
            return await loop.run_in_executor(self._pool, functools.partial(operation, *args, settings))
        except Exception as exc:  # the boundary: every failure leaves as one sentence
            host = self._settings.host if isinstance(self._settings, ProviderSettings) else ""
            message = subscriptions.failure_line(action, id_, props, host, exc)
        raise PluginFailure(str(LaunchDarklyError(message)))


def _secret_fields(inputs: Mapping[str, Any]) -> set[Path]:
    """The secret config fields and credential URLs of the integration these inputs name."""
    integration = integration_of(inputs.get("integrationKey"))
    return {("config", key) for key in integration.state_secret_keys} if integration is not None else set()


def _only_our_resource(urn: str) -> None:
    type_ = urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else RESOURCE_TOKEN
    if type_ != RESOURCE_TOKEN:
        raise PluginFailure(f"unknown resource type {type_!r}; this provider has {RESOURCE_TOKEN}")

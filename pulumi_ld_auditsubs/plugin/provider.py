"""The native plugin's provider: Pulumi's provider protocol over the shared operations.

Each method translates property values (:mod:`.values`), runs the operation of
:mod:`pulumi_ld_auditsubs.operations.subscriptions` off the event loop (blocking HTTP, one shared
pool, so as many operations run at once as the engine sends), and marks what is secret. One plugin
process serves one provider (the engine starts one per default or explicit provider), so the
settings from Configure are this object's.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from pulumi_ld_auditsubs.api.client import client_for
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
from pulumi_ld_auditsubs.operations.subscriptions import integration_of
from pulumi_ld_auditsubs.plugin.schema import GET_ALL_TOKEN, GET_ONE_TOKEN, RESOURCE_TOKEN, schema_json
from pulumi_ld_auditsubs.plugin.values import Path, as_setting, marked, plain_map, secret_paths, unknown

_T = TypeVar("_T")

__all__ = ["AuditLogSubscriptionPlugin", "PluginFailure", "canonical_config", "names_for", "resolve"]

SDK_PROVIDER_KEYS = frozenset({"version", "pluginDownloadURL"})
"""Inputs Pulumi's SDKs add to every provider resource; not settings."""
MAX_IN_FLIGHT = 64
"""Operations run at once (the engine's ``--parallel`` decides how many it sends)."""
_OUTPUT_SECRETS: frozenset[Path] = frozenset({("config",)})


class PluginFailure(Exception):
    """An operation's failure as the user reads it: one sentence, no traceback."""


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
    return ProviderSettings.resolve(canonical_config(values), names=names_for(provider_urn))


class AuditLogSubscriptionPlugin(Provider):
    """``ld-auditsubs``: the AuditLogSubscription resource and the two lookup functions."""

    def __init__(self) -> None:
        self._settings: ProviderSettings | SettingsError | None = None
        self._pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="ld-auditsubs")

    # -- provider configuration ----------------------------------------------------------------

    def configure_from(self, values: Mapping[str, Any], provider_urn: str) -> list[str]:
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
            self._settings = _resolve_or_error({}, "")
        if isinstance(self._settings, SettingsError):
            raise LaunchDarklyError(f"cannot configure pulumi-ld-auditsubs: {self._settings}") from None
        return self._settings

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json())

    # -- the resource ---------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        self._only_our_resource(request.urn)
        news = plain_map(request.new_inputs)
        try:
            settings: ProviderSettings | None = self.settings()
            settings_error = None
        except LaunchDarklyError as exc:
            settings, settings_error = None, f"{exc}."
        checked = subscriptions.check(news, settings, settings_error)
        integration = integration_of(checked.inputs.get("integrationKey"))
        secrets = secret_paths(request.new_inputs)
        if integration is not None:
            secrets |= {("config", key) for key in integration.state_secret_keys}
        return CheckResponse(
            inputs=marked(checked.inputs, secrets),
            failures=[CheckFailure(f.property, f.reason) for f in checked.failures],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        diffed = await self._run(
            "preview changes to", request.resource_id, news, subscriptions.diff, olds, news
        )
        kinds = {
            key: PropertyDiff(
                PropertyDiffKind.UPDATE_REPLACE if key in diffed.replaces else PropertyDiffKind.UPDATE,
                input_diff=True,
            )
            for key in diffed.changed_keys
        }
        return DiffResponse(
            changes=diffed.changes,
            replaces=diffed.replaces,
            delete_before_replace=False,
            diffs=list(kinds),
            detailed_diff=kinds,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = plain_map(request.properties)
        secrets = secret_paths(request.properties) | _OUTPUT_SECRETS
        if request.preview:  # `pulumi preview`: nothing is sent; what LaunchDarkly assigns is unknown
            outputs = {**props, **_unknown_outputs(self._host_or_unknown())}
            return CreateResponse(resource_id="", properties=marked(outputs, secrets))
        created = await self._run("create", None, props, subscriptions.create, props)
        return CreateResponse(resource_id=created.id, properties=marked(created.outputs, secrets))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        olds, news = plain_map(request.olds), plain_map(request.news)
        secrets = secret_paths(request.news) | _OUTPUT_SECRETS
        if request.preview:
            kept: dict[str, Any] = {k: olds[k] for k in ("subscriptionId", "status", "apiHost") if k in olds}
            return UpdateResponse(properties=marked({**news, **kept}, secrets))
        outputs = await self._run(
            "update", request.resource_id, news, subscriptions.update, request.resource_id, olds, news
        )
        return UpdateResponse(properties=marked(outputs, secrets))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """A refresh, or ``pulumi import`` (an ID and no properties): one GET either way."""
        props = plain_map(request.properties)
        found = await self._run(
            "refresh", request.resource_id, props, subscriptions.read, request.resource_id, props
        )
        if found.id is None:
            return ReadResponse(resource_id=None, properties={}, inputs={})
        integration = integration_of(found.inputs.get("integrationKey"))
        secrets = secret_paths(request.properties) | secret_paths(request.inputs)
        if integration is not None:
            secrets |= {("config", key) for key in integration.state_secret_keys}
        return ReadResponse(
            resource_id=found.id,
            properties=marked(found.outputs, secrets | _OUTPUT_SECRETS),
            inputs=marked(found.inputs, secrets),
        )

    async def delete(self, request: DeleteRequest) -> None:
        props = plain_map(request.properties)
        await self._run(
            "delete", request.resource_id, props, subscriptions.delete, request.resource_id, props
        )

    # -- the functions ----------------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        args = plain_map(request.args)
        if request.tok == GET_ONE_TOKEN:
            result = await self._lookup(self._get_one, args)
        elif request.tok == GET_ALL_TOKEN:
            result = await self._lookup(self._get_all, args)
        else:
            raise PluginFailure(
                f"unknown function {request.tok!r}; this provider has {GET_ONE_TOKEN} and {GET_ALL_TOKEN}"
            )
        secrets = {("config",)} | {
            ("subscriptions", str(i), "config") for i in range(len(result.get("subscriptions", [])))
        }
        return InvokeResponse(return_value=marked(result, secrets))

    def _get_one(self, args: Mapping[str, Any]) -> dict[str, Any]:
        client = self._lookup_client()
        key, subscription_id = args.get("integrationKey"), args.get("subscriptionId")
        return lookups.record(lookups.find_one(client, key, subscription_id, caller=GET_ONE_TOKEN))

    def _get_all(self, args: Mapping[str, Any]) -> dict[str, Any]:
        client = self._lookup_client()
        found = lookups.find_all(
            client, args.get("integrationKey"), args.get("tags"), args.get("name"), caller=GET_ALL_TOKEN
        )
        return {"subscriptions": [lookups.record(item) for item in found]}

    def _lookup_client(self) -> Any:
        settings = self.settings()
        if settings.token is None:
            raise MissingCredentialsError(settings.token_source)
        return client_for(settings)

    async def _lookup(
        self, lookup: Callable[[Mapping[str, Any]], dict[str, Any]], args: Mapping[str, Any]
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, lookup, args)
        except (LaunchDarklyError, ValueError, TypeError) as exc:
            raise PluginFailure(f"{exc}") from None

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

    def _host_or_unknown(self) -> str:
        return self._settings.host if isinstance(self._settings, ProviderSettings) else ""

    @staticmethod
    def _only_our_resource(urn: str) -> None:
        type_ = urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else RESOURCE_TOKEN
        if type_ != RESOURCE_TOKEN:
            raise PluginFailure(f"unknown resource type {type_!r}; this provider has {RESOURCE_TOKEN}")


def _resolve_or_error(values: Mapping[str, Any], provider_urn: str) -> ProviderSettings | SettingsError:
    try:
        return resolve(values, provider_urn)
    except SettingsError as exc:
        return exc


def _unknown_outputs(host: str) -> dict[str, Any]:
    """What a previewed create cannot know yet (the apiHost is known once the provider is configured)."""
    return {"subscriptionId": unknown(), "status": unknown(), "apiHost": host or unknown()}

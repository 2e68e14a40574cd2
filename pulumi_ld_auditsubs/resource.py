"""The ``AuditLogSubscription`` resource and its ``Statement`` helper: what a Pulumi program declares.

The resource turns Python arguments into the provider's camelCase property bag, wraps secret config
values as Pulumi secrets (looked up in the integration catalog, so a plain string API key is still
encrypted in state), and marks the whole ``config`` output secret.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import pulumi
import pulumi.dynamic
from typing_extensions import deprecated

from pulumi_ld_auditsubs.config_types import (
    ChronosphereConfig,
    CloudtrailConfig,
    DatadogConfig,
    DynatraceConfig,
    DynatraceV2Config,
    ElasticConfig,
    GrafanaConfig,
    HoneycombConfig,
    IntegrationKey,
    JiraConfig,
    KosliConfig,
    Last9Config,
    LogdnaConfig,
    MattermostConfig,
    MsteamsConfig,
    NewRelicApmConfig,
    PagerdutyConfig,
    SignalfxConfig,
    SlackConfig,
    SplunkConfig,
    VercelNativeConfig,
)
from pulumi_ld_auditsubs.provider import AuditLogSubscriptionProvider
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.statement import Statement as Statement
from pulumi_ld_auditsubs.rules.statement import spelled_for_the_wire

_STDLIB_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]


def _undo_sdk_pickler_wrapping() -> None:
    """Put back the stdlib's ``pickle._Pickler._batch_setitems`` after the SDK serialized a provider.

    ``pulumi.dynamic.serialize_provider`` (pulumi/dynamic/dynamic.py) wraps that method in a sorting
    wrapper on every call and never unwraps it, so the N-th dynamic resource of a program goes
    through N nested wrappers: quadratic time, and a ``RecursionError`` at about the 990th
    subscription (pulumi/pulumi#17803). Each call re-wraps what it finds, so restoring the original
    keeps its sorting (one level deep) and only removes the pile-up. Left alone if something other
    than the stdlib's own method was there when this module was imported.
    """
    if getattr(_STDLIB_BATCH_SETITEMS, "__qualname__", "") == "_Pickler._batch_setitems":
        pickle._Pickler._batch_setitems = _STDLIB_BATCH_SETITEMS  # type: ignore[attr-defined]


StatementInput = Statement | Mapping[str, Any]
"""A statement as a program gives it; ``Statement`` is re-exported from here (``X as X`` above)."""


def _statement_to_wire(statement: StatementInput) -> Any:
    """Accept a Statement or a dict with snake_case or camelCase keys; unknown keys go on to ``check``."""
    if isinstance(statement, (Statement, Mapping)):
        return spelled_for_the_wire(statement)
    return statement  # an Output or a wrong type: resolved or reported by the provider's check


def _config_with_secrets(integration_key: pulumi.Input[str], config: Any) -> Any:
    """Wrap each secret config value as a Pulumi secret, even if given as a plain string.

    Secret are the fields LaunchDarkly masks and the webhook URLs that are credentials
    (``Integration.state_secret_keys``). When the integration is not known yet (an Output) or is
    outside the catalog, every value is wrapped: which ones are secret cannot be known.
    """
    if not isinstance(config, Mapping):
        return pulumi.Output.secret(config) if config is not None else None
    integration = load_catalog().get(integration_key) if isinstance(integration_key, str) else None
    if integration is None:
        return {key: pulumi.Output.secret(value) for key, value in config.items()}
    secret_keys = integration.state_secret_keys
    return {
        key: pulumi.Output.secret(value) if key in secret_keys else value for key, value in config.items()
    }


def default_change_comment() -> str:
    """The audit-log comment of a resource that sets none: which Pulumi project and stack made the change.

    Captured when the program runs, because the dynamic provider process is not told the stack name.
    """
    return f"Updated by Pulumi stack {pulumi.get_project()}/{pulumi.get_stack()} (pulumi-ld-auditsubs)"


class AuditLogSubscription(pulumi.dynamic.Resource, module="launchdarkly", name="AuditLogSubscription"):
    """A LaunchDarkly audit log subscription: streams LaunchDarkly's audit log to another tool.

    Type token ``pulumi-python:dynamic/launchdarkly:AuditLogSubscription``; resource ID
    ``<integrationKey>/<subscriptionId>``. Credentials come from the stack config
    ``launchdarkly:accessToken`` / ``launchdarkly:apiHost`` or the environment variables
    ``LAUNCHDARKLY_ACCESS_TOKEN`` / ``LAUNCHDARKLY_API_HOST``.
    """

    name: pulumi.Output[str]
    """The subscription's name as shown in LaunchDarkly."""
    config: pulumi.Output[dict[str, Any]]
    """The integration's form variables, keys verbatim; a secret output."""
    statements: pulumi.Output[list[dict[str, Any]]]
    """The policy statements (camelCase keys, as LaunchDarkly spells them)."""
    on: pulumi.Output[bool]
    """Whether the subscription sends events."""
    tags: pulumi.Output[list[str]]
    status: pulumi.Output[dict[str, Any]]
    """LaunchDarkly's ``_status``: successCount, errorCount, lastSuccess, lastError, errors."""

    # One overload per catalog integration, so that `integration_key="datadog"` makes type checkers
    # check `config` against `DatadogConfig`; the last one keeps any key with any mapping working.
    # BEGIN GENERATED OVERLOADS (scripts/generate_catalog.py --derived; do not edit)
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["chronosphere"],
        name: pulumi.Input[str],
        config: pulumi.Input[ChronosphereConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["cloudtrail"],
        name: pulumi.Input[str],
        config: pulumi.Input[CloudtrailConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["datadog"],
        name: pulumi.Input[str],
        config: pulumi.Input[DatadogConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["dynatrace"],
        name: pulumi.Input[str],
        config: pulumi.Input[DynatraceConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["dynatrace-v2"],
        name: pulumi.Input[str],
        config: pulumi.Input[DynatraceV2Config],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["elastic"],
        name: pulumi.Input[str],
        config: pulumi.Input[ElasticConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["grafana"],
        name: pulumi.Input[str],
        config: pulumi.Input[GrafanaConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["honeycomb"],
        name: pulumi.Input[str],
        config: pulumi.Input[HoneycombConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["jira"],
        name: pulumi.Input[str],
        config: pulumi.Input[JiraConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["kosli"],
        name: pulumi.Input[str],
        config: pulumi.Input[KosliConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["last9"],
        name: pulumi.Input[str],
        config: pulumi.Input[Last9Config],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["logdna"],
        name: pulumi.Input[str],
        config: pulumi.Input[LogdnaConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["mattermost"],
        name: pulumi.Input[str],
        config: pulumi.Input[MattermostConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["msteams"],
        name: pulumi.Input[str],
        config: pulumi.Input[MsteamsConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["new-relic-apm"],
        name: pulumi.Input[str],
        config: pulumi.Input[NewRelicApmConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["pagerduty"],
        name: pulumi.Input[str],
        config: pulumi.Input[PagerdutyConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["signalfx"],
        name: pulumi.Input[str],
        config: pulumi.Input[SignalfxConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["slack"],
        name: pulumi.Input[str],
        config: pulumi.Input[SlackConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["splunk"],
        name: pulumi.Input[str],
        config: pulumi.Input[SplunkConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: Literal["vercel-native"],
        name: pulumi.Input[str],
        config: pulumi.Input[VercelNativeConfig],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    @deprecated("config does not match the integration's TypedDict (pulumi_ld_auditsubs.config_types)")
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: IntegrationKey,
        name: pulumi.Input[str],
        config: pulumi.Input[Mapping[str, pulumi.Input[Any]]],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: pulumi.Input[str],
        name: pulumi.Input[str],
        config: pulumi.Input[Mapping[str, pulumi.Input[Any]]],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    # END GENERATED OVERLOADS

    def __init__(
        self,
        resource_name: str,
        *,
        integration_key: pulumi.Input[str],
        name: pulumi.Input[str],
        config: pulumi.Input[Mapping[str, pulumi.Input[Any]]],
        statements: pulumi.Input[Sequence[StatementInput]],
        on: pulumi.Input[bool] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        change_comment: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a subscription; see the README for every input and output.

        :param integration_key: the integration's key; changing it replaces the subscription.
        :param name: the name shown in LaunchDarkly.
        :param config: the integration's form variables, keys exactly as LaunchDarkly spells them.
        :param statements: at least one :class:`Statement` (or dict) selecting the events to send.
        :param on: whether events are sent; defaults to True.
        :param tags: tags on the subscription; compared as a set.
        :param adopt_id: ``<subscriptionId>`` or ``<integrationKey>/<subscriptionId>`` of an existing
            subscription to take over instead of creating one.
        :param change_comment: the comment LaunchDarkly records in its audit log with each change
            (PATCH) to this subscription; defaults to one naming the Pulumi project and stack.
            Changing it alone never causes an update.
        """
        wire_statements: Any = (
            [_statement_to_wire(s) for s in statements]
            if isinstance(statements, Sequence) and not isinstance(statements, str)
            else statements
        )
        props: dict[str, Any] = {
            "integrationKey": integration_key,
            "name": name,
            "config": _config_with_secrets(integration_key, config),
            "statements": wire_statements,
            "on": True if on is None else on,
            "tags": [] if tags is None else tags,
            "adoptId": adopt_id,
            "changeComment": default_change_comment() if change_comment is None else change_comment,
            "subscriptionId": None,
            "status": None,
            "apiHost": None,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=["config"])
        try:
            super().__init__(
                AuditLogSubscriptionProvider(),
                resource_name,
                props,
                pulumi.ResourceOptions.merge(secret_outputs, opts),
            )
        finally:
            _undo_sdk_pickler_wrapping()

    # Pulumi stores each output under its wire name; these give the camelCase ones Python names.
    @property
    def integration_key(self) -> pulumi.Output[str]:
        """The integration's key (``datadog``, ``splunk``, ...). Changing it replaces the subscription."""
        return self._wire_output("integrationKey")

    @property
    def subscription_id(self) -> pulumi.Output[str]:
        """LaunchDarkly's ``_id`` of the subscription."""
        return self._wire_output("subscriptionId")

    @property
    def api_host(self) -> pulumi.Output[str]:
        """The LaunchDarkly API host that holds the subscription; no other host is asked about it."""
        return self._wire_output("apiHost")

    @property
    def change_comment(self) -> pulumi.Output[str]:
        """The comment LaunchDarkly records with each change this resource makes."""
        return self._wire_output("changeComment")

    @property
    def adopt_id(self) -> pulumi.Output[str | None]:
        """The id of the subscription that was adopted instead of created, if any."""
        return self._wire_output("adoptId")

    def _wire_output(self, wire_name: str) -> pulumi.Output[Any]:
        output: pulumi.Output[Any] = self.__dict__[wire_name]
        return output

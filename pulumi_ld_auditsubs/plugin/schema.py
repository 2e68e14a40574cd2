"""The native plugin's Pulumi package schema (``GetSchema``), built from the catalog and the Statement model.

``pulumi package add`` generates each language's SDK from this document, so every description
here reaches the users of the generated SDKs. It is built at start-up from the same data the
provider checks against (the integration catalog, :data:`STATEMENT_KEYS`, the settings), so it
cannot drift from what Check accepts; ``tests/plugin/test_schema.py`` validates it against
Pulumi's metaschema and the binder's rules.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.api.settings import (
    ALLOW_UNKNOWN_KEY,
    CREATE_RECOVERY_KEY,
    DEFAULT_CREATE_RECOVERY_SECONDS,
    DEFAULT_HOST,
    DEFAULT_MAX_RESPONSE_MIB,
    DEFAULT_READ_TIMEOUT_SECONDS,
    DEFAULT_RETRY_TIMEOUT_SECONDS,
    EU_HOST,
    FEDERAL_HOST,
    HOST_ENV,
    MAX_RESPONSE_KEY,
    MOVE_FROM_HOST_KEY,
    READ_TIMEOUT_KEY,
    RETRY_TIMEOUT_KEY,
    STRICT_ACTIONS_KEY,
    TOKEN_ENV,
)
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.statement import STATEMENT_KEYS

PACKAGE = "ld-auditsubs"
RESOURCE_TOKEN = f"{PACKAGE}:index:AuditLogSubscription"
STATEMENT_TOKEN = f"{PACKAGE}:index:Statement"
RESULT_TOKEN = f"{PACKAGE}:index:AuditLogSubscriptionResult"
GET_ONE_TOKEN = f"{PACKAGE}:index:getAuditLogSubscription"
GET_ALL_TOKEN = f"{PACKAGE}:index:getAuditLogSubscriptions"
PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"
PYTHON_SDK_PACKAGE = "pulumi_ld_auditsubs_native"
"""The generated Python SDK's import name: ``pulumi_ld_auditsubs`` is this library's own."""

_ANY = {"$ref": "pulumi.json#/Any"}
REQUIRED_INPUTS = ("integrationKey", "name", "config", "statements")
_STRINGS = {"type": "array", "items": {"type": "string"}}

SETTINGS: dict[str, tuple[str, str]] = {
    ALLOW_UNKNOWN_KEY: (
        "boolean",
        "Accept integration keys that are not in this provider's catalog (their config is then "
        "judged by LaunchDarkly only). Default false.",
    ),
    STRICT_ACTIONS_KEY: (
        "boolean",
        "Fail Check for every statement action outside LaunchDarkly's documented list (by default "
        "only near misses of known actions fail). Default false.",
    ),
    RETRY_TIMEOUT_KEY: (
        "number",
        "How long one request may take, retries, rate-limit waits and reading the answer included, "
        f"before it fails, in seconds. Default {DEFAULT_RETRY_TIMEOUT_SECONDS:g}.",
    ),
    READ_TIMEOUT_KEY: (
        "number",
        f"How long to wait for each read of an answer, in seconds. Default {DEFAULT_READ_TIMEOUT_SECONDS:g}.",
    ),
    MAX_RESPONSE_KEY: (
        "number",
        "The largest answer read from the API, in MiB of decoded bytes; a larger one (a proxy or "
        "captive portal answering for LaunchDarkly) fails the request at once. "
        f"Default {DEFAULT_MAX_RESPONSE_MIB:g}.",
    ),
    CREATE_RECOVERY_KEY: (
        "number",
        "How long a create whose answer was lost keeps looking for the subscription it made before "
        f"it fails, in seconds. Default {DEFAULT_CREATE_RECOVERY_SECONDS:g}.",
    ),
    MOVE_FROM_HOST_KEY: (
        "string",
        "An API host whose subscriptions this run may re-home to `apiHost` (set it for one run when "
        "moving a stack to another LaunchDarkly instance or proxy).",
    ),
}
"""Every ``ld-auditsubs:`` setting as the plugin's provider config: type and description."""

_TOKEN_DOC = (
    "The LaunchDarkly API access token (a personal or service token with a role that may manage "
    f"integrations). Default provider: stack config `ld-auditsubs:accessToken`, then {TOKEN_ENV}."
)
_HOST_DOC = (
    f"The LaunchDarkly API host: {DEFAULT_HOST} (the default), {EU_HOST} (EU) or {FEDERAL_HOST} "
    "(federal); it may carry a path prefix (a proxy), never `/api/v2`, and may be plain http only "
    f"for loopback addresses. Default provider: stack config `ld-auditsubs:apiHost`, then {HOST_ENV}."
)

_STATEMENT_DOCS = {
    "effect": "`allow` or `deny`.",
    "actions": "Action specifiers such as `*` or `updateOn`; give `actions` or `notActions`.",
    "notActions": "Every action except these; give `actions` or `notActions`.",
    "resources": "Resource specifiers such as `proj/*:env/production:flag/*`; give `resources` or "
    "`notResources`.",
    "notResources": "Every resource except these; give `resources` or `notResources`.",
}


def _config_doc() -> str:
    """The ``config`` description: every integration's fields, from the catalog."""
    lines = [
        "The integration's config fields, keys exactly as LaunchDarkly spells them; secret fields are "
        "kept as Pulumi secrets, and the whole `config` output is a secret. Fields by integration:",
        "",
    ]
    for integration in load_catalog().values():
        fields = ", ".join(
            f"`{v.key}`{'' if v.is_optional else ' (required)'}{' (secret)' if v.is_state_secret else ''}"
            for v in integration.form_variables
            if not v.is_generated
        )
        lines.append(f"- `{integration.key}` ({integration.name}): {fields or 'no fields'}")
    return "\n".join(lines)


def _subscription_inputs() -> dict[str, Any]:
    return {
        "integrationKey": {
            "type": "string",
            "description": "The integration to stream to (`datadog`, `splunk`, `slack`, ...); changing it "
            "replaces the subscription.",
            "replaceOnChanges": True,
        },
        "name": {"type": "string", "description": "The subscription's name, shown in LaunchDarkly."},
        "config": {"type": "object", "additionalProperties": _ANY, "description": _config_doc()},
        "statements": {
            "type": "array",
            "items": {"$ref": f"#/types/{STATEMENT_TOKEN}"},
            "description": "The policy statements choosing which audit log events are sent (at least one).",
        },
        "on": {"type": "boolean", "description": "Whether the subscription sends events. Default true."},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags. Default none."},
        "adoptId": {
            "type": "string",
            "description": "Adopt an existing subscription (`<subscriptionId>` or "
            "`<integrationKey>/<subscriptionId>`) instead of creating one: it is read, patched to match "
            "and managed from then on.",
        },
        "changeComment": {
            "type": "string",
            "description": "The comment LaunchDarkly's audit log records with each update.",
        },
    }


def _record_properties() -> dict[str, Any]:
    """What a lookup returns for one subscription (the Python lookups' fields, wire names)."""
    inputs = _subscription_inputs()
    return {
        "id": {"type": "string", "description": "`<integrationKey>/<subscriptionId>`: the resource ID."},
        "integrationKey": {"type": "string", "description": inputs["integrationKey"]["description"]},
        "subscriptionId": {"type": "string", "description": "LaunchDarkly's id of the subscription (`_id`)."},
        "name": inputs["name"],
        "on": inputs["on"],
        "tags": inputs["tags"],
        "statements": inputs["statements"],
        "config": {
            "type": "object",
            "additionalProperties": _ANY,
            "secret": True,
            "description": "The config fields as LaunchDarkly returns them (secret values masked).",
        },
        "status": _status(),
    }


def _status() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": _ANY,
        "description": "LaunchDarkly's delivery status (`_status`): successCount, errorCount, lastSuccess, "
        "lastError, errors.",
    }


def build_schema() -> dict[str, Any]:
    """The package schema document."""
    inputs = _subscription_inputs()
    outputs = dict(inputs)
    outputs["config"] = {**inputs["config"], "secret": True}
    outputs["integrationKey"] = {k: v for k, v in inputs["integrationKey"].items() if k != "replaceOnChanges"}
    outputs.update(
        {
            "subscriptionId": {
                "type": "string",
                "description": "LaunchDarkly's id of the subscription (`_id`).",
            },
            "status": _status(),
            "apiHost": {
                "type": "string",
                "description": "The API host that holds the subscription (scheme, host, port and any path "
                "prefix, never credentials); it is only ever acted on there.",
            },
        }
    )
    settings = {
        key.split(":", 1)[1]: {"type": kind, "description": doc} for key, (kind, doc) in SETTINGS.items()
    }
    config_variables = {
        "accessToken": {"type": "string", "secret": True, "description": _TOKEN_DOC},
        "apiHost": {"type": "string", "description": _HOST_DOC},
        **settings,
    }
    statement = {
        "type": "object",
        "description": "One policy statement choosing which audit log events the subscription receives.",
        "properties": {
            key: ({"type": "string"} if key == "effect" else dict(_STRINGS))
            | {"description": _STATEMENT_DOCS[key]}
            for key in STATEMENT_KEYS
        },
        "required": ["effect"],
    }
    record = _record_properties()
    return {
        "name": PACKAGE,
        "displayName": "LaunchDarkly audit log subscriptions",
        "version": __version__,
        "description": "LaunchDarkly audit log subscriptions (Datadog, Splunk, Honeycomb, Elastic, Slack, "
        "MS Teams, ...) with minimal JSON Patch updates and secret-safe state.",
        "keywords": ["pulumi", "launchdarkly", "audit-log", "category/monitoring", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config_variables},
        "provider": {
            "description": "A LaunchDarkly account and instance: declare one per account or instance (US, "
            "EU, federal) to manage several from one program.",
            "inputProperties": config_variables,
        },
        "types": {
            STATEMENT_TOKEN: statement,
            RESULT_TOKEN: {
                "type": "object",
                "description": "One audit log subscription as LaunchDarkly holds it.",
                "properties": record,
                "required": sorted(record),
            },
        },
        "resources": {
            RESOURCE_TOKEN: {
                "description": "A LaunchDarkly audit log subscription: streams the audit log events its "
                "statements choose to one integration. Import with `<integrationKey>/<subscriptionId>`.",
                "inputProperties": inputs,
                "requiredInputs": list(REQUIRED_INPUTS),
                "properties": outputs,
                "required": [*REQUIRED_INPUTS, "on", "tags", "subscriptionId", "status", "apiHost"],
            }
        },
        "functions": {
            GET_ONE_TOKEN: {
                "description": "Look one audit log subscription up (read-only).",
                "inputs": {
                    "properties": {
                        "integrationKey": record["integrationKey"],
                        "subscriptionId": {
                            "type": "string",
                            "description": "The subscription's id (or `<integrationKey>/<subscriptionId>`).",
                        },
                    },
                    "required": ["integrationKey", "subscriptionId"],
                },
                "outputs": {"properties": record, "required": sorted(record)},
            },
            GET_ALL_TOKEN: {
                "description": "List audit log subscriptions (read-only), by integration, name and id.",
                "inputs": {
                    "properties": {
                        "integrationKey": {
                            "type": "string",
                            "description": "Only this integration's (default: every one in the catalog).",
                        },
                        "tags": {**_STRINGS, "description": "Only subscriptions carrying all of these tags."},
                        "name": {
                            "type": "string",
                            "description": "Only subscriptions with exactly this name.",
                        },
                    }
                },
                "outputs": {
                    "properties": {
                        "subscriptions": {"type": "array", "items": {"$ref": f"#/types/{RESULT_TOKEN}"}}
                    },
                    "required": ["subscriptions"],
                },
            },
        },
        "language": {
            "python": {"packageName": PYTHON_SDK_PACKAGE},
            "nodejs": {"packageName": "@pulumi-ld-auditsubs/native"},
        },
    }


@functools.cache
def schema_json() -> str:
    """The schema as GetSchema sends it (built once per process)."""
    return json.dumps(build_schema(), indent=2, sort_keys=True)

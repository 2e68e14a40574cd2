"""Subscription models, input validation and the documents the diff compares.

* :class:`Statement` (from :mod:`.statement`) is what users write; :class:`Subscription` is what
  the API returns.
* :func:`check_inputs` validates and normalizes the provider's inputs. Failures are data, not
  exceptions (as Pulumi's ``CheckFailure``), and all of them are collected, so one preview reports
  every mistake at once. It runs during preview, so it never touches the network and leaves values
  Pulumi does not know yet alone.
* :func:`desired_document` and :func:`document_from_api` produce the two sides that
  :mod:`pulumi_ld_auditsubs.rules.patch` compares.

Config keys are LaunchDarkly's, verbatim (``hostURL``, ``base-url``): nothing here changes their
case. Neither ``requests`` nor ``pulumi`` is imported, so all of this is testable without either.
"""

from __future__ import annotations

import copy
import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.alias_generators import to_camel

from pulumi_ld_auditsubs.rules.catalog import Catalog, FormVariable, Integration, load_catalog
from pulumi_ld_auditsubs.rules.policy import action_problem, resource_problem
from pulumi_ld_auditsubs.rules.ref import is_subscription_id, split_ref
from pulumi_ld_auditsubs.rules.statement import (
    STATEMENT_KEYS,
    STATEMENT_LIST_KEYS,
    WIRE_NAMES,
    Statement,
    normalize_statement,
    spelled_for_the_wire,
)

__all__ = [
    "INPUT_KEYS",
    "MAX_CONFIG_VALUE_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_SPECIFIERS_PER_LIST",
    "MAX_SPECIFIER_LENGTH",
    "MAX_STATEMENTS",
    "MAX_URL_LENGTH",
    "NON_DIFFING_KEYS",
    "PROVIDER_KEY",
    "TAG_PATTERN",
    "UNKNOWN_INTEGRATION_HINT",
    "URL_FIELDS_TYPED_AS_STRING",
    "CheckReport",
    "Failure",
    "Statement",
    "Subscription",
    "check_inputs",
    "comparable_live_document",
    "desired_document",
    "document_from_api",
    "normalize_statement",
    "normalize_tags",
]

INPUT_KEYS: tuple[str, ...] = (
    "integrationKey",
    "name",
    "config",
    "statements",
    "on",
    "tags",
    "adoptId",
    "changeComment",
)
"""The input properties, by their wire (camelCase) names."""

NON_DIFFING_KEYS: frozenset[str] = frozenset({"adoptId", "changeComment"})
"""Inputs that never cause a diff by themselves: read on create (``adoptId``) or sent with the next
PATCH (``changeComment``, the comment LaunchDarkly records in its audit log)."""

PROVIDER_KEY = "__provider"
"""Where Pulumi's dynamic resources carry the pickled provider; never judged, always kept."""

TAG_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""The tags LaunchDarkly accepts (use with ``fullmatch``)."""

# Upper bounds a careful reviewer would ask for. LaunchDarkly documents none of them; each is far
# above any real subscription and keeps a plan reviewable and a request well within size limits.
MAX_NAME_LENGTH = 256
"""Characters in ``name`` (LaunchDarkly's UI truncates long names; flags and roles allow 256)."""
MAX_STATEMENTS = 50
"""Statements per subscription (real ones hold one to a handful)."""
MAX_SPECIFIERS_PER_LIST = 100
"""Items in one statement's ``resources``/``notResources``/``actions``/``notActions``."""
MAX_SPECIFIER_LENGTH = 1024
"""Characters in one resource or action specifier."""
MAX_URL_LENGTH = 2048
"""Characters in a URL config value (the common HTTP limit)."""
MAX_CONFIG_VALUE_LENGTH = 4096
"""Characters in any other string config value (longer is a paste error, not a key)."""

URL_FIELDS_TYPED_AS_STRING: Mapping[str, frozenset[str]] = {
    "chronosphere": frozenset({"receiverURL"}),
    "kosli": frozenset({"webhookUrl"}),
    "splunk": frozenset({"base-url"}),
    "vercel-native": frozenset({"url"}),
}
"""Override: fields LaunchDarkly's manifests type as plain strings that hold URLs; checked as URLs."""

UNKNOWN_INTEGRATION_HINT = (
    "To use an integration this provider's catalog does not list yet, run "
    "`pulumi config set ld-auditsubs:allowUnknownIntegrations true`; its config is then checked by "
    "LaunchDarkly only"
)
"""How a user allows an integration key the bundled catalog does not know."""

_STATEMENT_PAIRS = (("resources", "notResources", "resource"), ("actions", "notActions", "action"))
_EVERYTHING = {"resource": '"proj/*:env/*:flag/*" for every flag', "action": '"*" for every action'}
"""What to write for "all", per list: a bare ``*`` is an action glob, but no resource specifier."""
_EFFECTS = ("allow", "deny")
_HTTP_SCHEMES = ("http", "https")
# Characters that render as nothing: a name made only of these looks empty in LaunchDarkly's UI.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cs", "Co", "Cn"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Bidirectional overrides and isolates reorder what a reviewer reads ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class Subscription(BaseModel):
    """An audit log subscription as the API returns it (its ``Integration`` schema).

    Parsed once, where an answer enters (the client); everything above works with this object.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    """Fields this model does not name stay in ``model_extra`` (``health`` scrubs legacy credentials)."""

    id: str = Field(alias="_id")
    kind: str
    """The integration key, e.g. ``datadog``."""
    name: str
    config: dict[str, Any]
    """Form-variable values; secret ones come back masked."""
    statements: list[dict[str, Any]] = []
    on: StrictBool = False
    """A JSON boolean: ``1`` is no ``true`` (a proxy's rewrite must not pass as the declared value)."""
    tags: list[str] = []
    status: dict[str, Any] | None = Field(default=None, alias="_status")
    """Delivery counters and recent errors (``successCount``, ``errorCount``, ``lastError`` ...)."""
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")

    @field_validator("statements", "tags", mode="before")
    @classmethod
    def _null_list_is_empty(cls, value: Any) -> Any:
        # The schema marks nothing required, so a null collection is read as an empty one.
        return [] if value is None else value

    @field_validator("config", mode="before")
    @classmethod
    def _null_config_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


@dataclass(frozen=True)
class Failure:
    """One reason the inputs are invalid, in the shape of Pulumi's ``CheckFailure``."""

    property: str
    """Path of the offending value: ``config.apiKey``, ``statements[1].effect``, ``tags[0]``."""
    reason: str
    """What is wrong and what is allowed instead."""


@dataclass
class CheckReport:
    """What :func:`check_inputs` found."""

    inputs: dict[str, Any]
    """The normalized wire-form inputs; unknown values passed through unchanged."""
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_inputs(
    news: Mapping[str, Any],
    *,
    catalog: Catalog | None = None,
    allow_unknown_integrations: bool = False,
    is_unknown: Callable[[Any], bool] = lambda value: False,
    strict_actions: bool = False,
) -> CheckReport:
    """Validate and normalize the wire-form inputs of a subscription, collecting every failure.

    ``is_unknown`` recognizes values Pulumi does not know yet (preview); they are passed through
    unjudged, wherever they appear. With ``allow_unknown_integrations`` an integration key missing
    from the catalog is a warning and its config is left for LaunchDarkly to judge. Statement
    resources and actions are checked against LaunchDarkly's policy language
    (:mod:`pulumi_ld_auditsubs.rules.policy`); ``strict_actions`` fails every action it does not know.
    """
    checker = _Checker(
        catalog if catalog is not None else load_catalog(),
        allow_unknown_integrations,
        is_unknown,
        strict_actions=strict_actions,
    )
    return checker.check(news)


def normalize_tags(tags: Any) -> list[str]:
    """Tags in the user's order with exact duplicates dropped (LaunchDarkly keeps a set)."""
    return list(dict.fromkeys(tags or ()))


def desired_document(inputs: Mapping[str, Any], integration: Integration | None) -> dict[str, Any]:
    """The subscription the user wants, shaped like :func:`document_from_api`'s result.

    Omitted optional config fields get the catalog defaults, because that is what LaunchDarkly
    stores and returns; comparing with them avoids a perpetual diff. ``generated`` fields are
    LaunchDarkly's to fill and are dropped. With ``integration=None`` (a key outside the catalog)
    the config is taken as is.
    """
    declared = {key: value for key, value in (inputs.get("config") or {}).items() if value is not None}
    config: dict[str, Any] = {}
    if integration is not None:
        config.update({k: v for k, v in integration.defaults.items() if k not in declared})
    config.update(declared)
    if integration is not None:
        config = {k: v for k, v in config.items() if k not in integration.generated_keys}
    on = inputs.get("on")
    return {
        "name": inputs.get("name"),
        "config": config,
        "on": True if on is None else on,
        "tags": list(inputs.get("tags") or []),
        "statements": [normalize_statement(s) for s in inputs.get("statements") or []],
    }


def document_from_api(sub: Subscription | Mapping[str, Any]) -> dict[str, Any]:
    """The comparable part of an API ``Integration`` body: name, config, on, tags, statements."""
    if not isinstance(sub, Subscription):
        sub = Subscription.model_validate(sub)
    return {
        "name": sub.name,
        "config": copy.deepcopy(sub.config),
        "on": sub.on,
        "tags": list(sub.tags),
        "statements": [normalize_statement(s) for s in sub.statements],
    }


def comparable_live_document(
    sub: Subscription | Mapping[str, Any], integration: Integration | None
) -> dict[str, Any]:
    """:func:`document_from_api` without the config fields LaunchDarkly generates (a webhook's
    secret, an external id), which :func:`desired_document` leaves out too, so the two compare."""
    document = document_from_api(sub)
    if integration is not None:
        generated = integration.generated_keys
        document["config"] = {k: v for k, v in document["config"].items() if k not in generated}
    return document


class _Checker:
    """One run of :func:`check_inputs`: accumulates failures and warnings."""

    def __init__(
        self,
        catalog: Catalog,
        allow_unknown: bool,
        is_unknown: Callable[[Any], bool],
        *,
        strict_actions: bool = False,
    ) -> None:
        self.catalog = catalog
        self.allow_unknown = allow_unknown
        self.is_unknown = is_unknown
        self.strict_actions = strict_actions
        self.failures: list[Failure] = []
        self.warnings: list[str] = []

    def fail(self, property_: str, reason: str) -> None:
        self.failures.append(Failure(property_, reason))

    def check(self, news: Mapping[str, Any]) -> CheckReport:
        for key in news:
            if key != PROVIDER_KEY and key not in INPUT_KEYS:
                self.fail(key, _unknown_property_reason(key))
        inputs: dict[str, Any] = {}
        integration_key, integration = self._integration_key(news, inputs)
        self._name(news, inputs)
        self._config(news, inputs, integration)
        self._statements(news, inputs)
        self._on(news, inputs)
        self._tags(news, inputs)
        self._adopt_id(news, inputs, integration_key)
        self._change_comment(news, inputs)
        if PROVIDER_KEY in news:
            inputs[PROVIDER_KEY] = news[PROVIDER_KEY]
        return CheckReport(inputs=inputs, failures=self.failures, warnings=self.warnings)

    # -- top-level properties ------------------------------------------------------------------

    def _integration_key(
        self, news: Mapping[str, Any], inputs: dict[str, Any]
    ) -> tuple[str | None, Integration | None]:
        """Returns the key (when known and a string) and its catalog entry (when it has one)."""
        value = news.get("integrationKey")
        known = ", ".join(self.catalog)
        if value is None:
            self.fail(
                "integrationKey", f"is required: the LaunchDarkly integration to send to, one of: {known}"
            )
            return None, None
        inputs["integrationKey"] = value
        if self.is_unknown(value):
            return None, None
        if not isinstance(value, str):
            self.fail("integrationKey", f"must be a string, one of: {known}; got {_describe(value)}")
            return None, None
        if not value.strip():
            self.fail("integrationKey", f"must not be empty; one of: {known}")
            return None, None
        integration = self.catalog.get(value)
        if integration is not None:
            return value, integration
        if self.allow_unknown:
            self.warnings.append(
                f"integration key {value!r} is not in this provider's catalog; its config is not "
                "validated here and is left to LaunchDarkly"
            )
            return value, None
        closest = self.catalog.closest(value)
        suggestion = f"; did you mean {' or '.join(closest)}?" if closest else "."
        self.fail(
            "integrationKey",
            f"unknown integration key {value!r}{suggestion} Known keys: {known}. {UNKNOWN_INTEGRATION_HINT}",
        )
        return value, None

    def _name(self, news: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        value = news.get("name")
        if value is None:
            self.fail("name", "is required: a non-empty, human-friendly name for the subscription")
            return
        inputs["name"] = value
        if self.is_unknown(value):
            return
        if not isinstance(value, str):
            self.fail("name", f"must be a non-empty string; got {_describe(value)}")
        elif not value.strip():
            self.fail("name", "must not be empty or only whitespace; give a human-friendly name")
        elif problem := _text_problem(value):
            self.fail("name", f"{problem}; use printable characters only")
        elif all(_is_invisible(char) for char in value):
            self.fail("name", "has only invisible characters (zero-width or blank); give a readable name")
        elif len(value) > MAX_NAME_LENGTH:
            self.fail("name", f"is {len(value)} characters long; at most {MAX_NAME_LENGTH} are allowed")

    def _config(
        self, news: Mapping[str, Any], inputs: dict[str, Any], integration: Integration | None
    ) -> None:
        value = news.get("config")
        fields = f" ({', '.join(_field_keys(integration))})" if integration is not None else ""
        if value is None:
            self.fail("config", f"is required: an object of the integration's config fields{fields}")
            return
        if self.is_unknown(value):
            inputs["config"] = value
            return
        if not isinstance(value, Mapping):
            inputs["config"] = value
            self.fail("config", f"must be an object of config fields{fields}; got {_describe(value)}")
            return
        # None means "not set": dropped, so that a required field set to None is reported missing.
        config = {key: item for key, item in value.items() if item is not None}
        inputs["config"] = config
        if integration is None:
            return
        for key, item in config.items():
            config[key] = self._config_value(integration, key, item)
        for variable in integration.form_variables:
            if not variable.is_optional and not variable.is_generated and variable.key not in config:
                self.fail(
                    f"config.{variable.key}",
                    f"is required for {integration.key}: {_expected(variable)}",
                )

    def _config_value(self, integration: Integration, key: str, value: Any) -> Any:
        """The normalized value of one config field; failures recorded on the side."""
        prop = f"config.{key}"
        variable = integration.variable(key)
        if variable is None:
            self.fail(prop, _unknown_config_key_reason(integration, key))
            return value
        if variable.is_generated:
            self.fail(prop, "is generated by LaunchDarkly; it is an output, remove it from config")
            return value
        if self.is_unknown(value):
            return value
        if variable.type == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                # Stack config values arrive as strings.
                return value.lower() == "true"
            self.fail(prop, f"must be a boolean (true or false); got {_describe(value)}")
            return value
        if not isinstance(value, str):
            self.fail(prop, f"must be {_expected(variable)}; got {_describe(value)}")
            return value
        # A secret (masked by the API, or a credential URL) is described, never quoted.
        shown = "the value (a secret, not shown)" if variable.is_state_secret else _shown(value)
        is_url = variable.type == "uri" or key in URL_FIELDS_TYPED_AS_STRING.get(integration.key, ())
        limit = MAX_URL_LENGTH if is_url else MAX_CONFIG_VALUE_LENGTH
        if problem := _text_problem(value):
            # Never shown: a pasted secret with a trailing newline must not be echoed.
            self.fail(prop, f"{problem}; remove it (a value read from a file often ends in a newline)")
        elif len(value) > limit:
            self.fail(prop, f"is {len(value)} characters long; at most {limit} are allowed")
        elif variable.type == "enum" and variable.allowed_values and value not in variable.allowed_values:
            self.fail(prop, f"{shown} is not allowed; must be one of: {', '.join(variable.allowed_values)}")
        elif is_url and not _is_http_url(value):
            # An optional URI whose default is "" may be set to "" explicitly (jira `issueCreateUrl`).
            if not (value == "" and variable.default_value == ""):
                self.fail(
                    prop,
                    f"{shown} must be an absolute http(s) URL with a host, like https://example.com"
                    f"{_url_problem(value)}",
                )
        elif not variable.is_optional and not value.strip():
            self.fail(prop, f"must not be empty: {integration.key} requires it")
        return value

    def _statements(self, news: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        value = news.get("statements")
        example = '{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}'
        if value is None:
            self.fail("statements", f"is required: at least one statement, such as {example}")
            return
        if self.is_unknown(value):
            inputs["statements"] = value
            return
        if not isinstance(value, (list, tuple)):
            inputs["statements"] = value
            self.fail("statements", f"must be a list of at least one statement; got {_describe(value)}")
            return
        if not value:
            self.fail("statements", f"must hold at least one statement, such as {example}")
        elif len(value) > MAX_STATEMENTS:
            self.fail(
                "statements",
                f"has {len(value)} statements; at most {MAX_STATEMENTS} are allowed "
                "(combine specifiers in fewer statements)",
            )
        inputs["statements"] = [self._statement(index, item) for index, item in enumerate(value)]

    def _statement(self, index: int, item: Any) -> Any:
        """One statement in wire form; failures recorded on the side."""
        prop = f"statements[{index}]"
        if self.is_unknown(item):
            return item
        if isinstance(item, Statement):
            item = spelled_for_the_wire(item)
        if not isinstance(item, Mapping):
            self.fail(
                prop,
                "must be an object with effect (allow|deny), resources or notResources, "
                f"and actions or notActions; got {_describe(item)}",
            )
            return item
        given: dict[str, Any] = {}
        spelled: dict[str, str] = {}
        for key, value in item.items():
            wire_key = WIRE_NAMES.get(key, key)
            if wire_key not in STATEMENT_KEYS:
                allowed = ", ".join(STATEMENT_KEYS)
                self.fail(f"{prop}.{key}", f"is not a statement property; allowed: {allowed}")
            elif value is None:
                continue  # None means "not given"
            elif wire_key in given:
                self.fail(
                    f"{prop}.{wire_key}",
                    f"is given twice (as {spelled[wire_key]} and as {key}); give it once",
                )
            else:
                given[wire_key] = value
                spelled[wire_key] = key

        effect = given.get("effect")
        if effect is None:
            self.fail(f"{prop}.effect", "is required: allow or deny")
        elif not self.is_unknown(effect) and (not isinstance(effect, str) or effect not in _EFFECTS):
            self.fail(f"{prop}.effect", f"must be 'allow' or 'deny'; got {effect!r}")

        wire: dict[str, Any] = {"effect": effect} if "effect" in given else {}
        states = {
            key: self._statement_list(f"{prop}.{key}", given.get(key), key in ("resources", "notResources"))
            for key in STATEMENT_LIST_KEYS
        }
        for positive, negative, noun in _STATEMENT_PAIRS:
            present = [key for key in (positive, negative) if states[key] == "present"]
            empty = [key for key in (positive, negative) if states[key] == "empty"]
            if len(present) == 2:
                self.fail(prop, f"has both {positive} and {negative}; give exactly one of them")
            elif not present and empty:
                self.fail(
                    f"{prop}.{empty[0]}",
                    f"is empty; give at least one {noun} specifier ({_EVERYTHING[noun]}) "
                    f"in {positive} or {negative}",
                )
            elif not present:
                self.fail(prop, f"needs {positive} or {negative}; give exactly one of them")
        for key in STATEMENT_LIST_KEYS:
            if states[key] == "present":
                value = given[key]
                wire[key] = list(value) if isinstance(value, tuple) else value
        return wire

    def _statement_list(
        self, prop: str, value: Any, is_resources: bool
    ) -> Literal["absent", "empty", "present"]:
        """Classifies one statement list, recording failures of its items (resource specifiers or
        action names, checked against LaunchDarkly's policy language)."""
        if value is None:
            return "absent"
        if self.is_unknown(value):
            return "present"
        if not isinstance(value, (list, tuple)):
            self.fail(prop, f'must be a list of strings, such as ["*"]; got {_describe(value)}')
            return "present"
        if not value:
            return "empty"
        if len(value) > MAX_SPECIFIERS_PER_LIST:
            self.fail(prop, f"has {len(value)} items; at most {MAX_SPECIFIERS_PER_LIST} are allowed")
        for index, item in enumerate(value):
            if self.is_unknown(item):
                continue
            if not isinstance(item, str):
                self.fail(f"{prop}[{index}]", f"must be a string; got {_describe(item)}")
            elif not item.strip():
                noun = "action" if prop.endswith(("actions", "Actions")) else "resource"
                self.fail(f"{prop}[{index}]", f"must not be empty; use {_EVERYTHING[noun]}")
            elif problem := _text_problem(item):
                self.fail(f"{prop}[{index}]", f"{problem}; specifiers are printable text")
            elif len(item) > MAX_SPECIFIER_LENGTH:
                self.fail(
                    f"{prop}[{index}]",
                    f"is {len(item)} characters long; at most {MAX_SPECIFIER_LENGTH} are allowed",
                )
            elif problem := (
                resource_problem(item) if is_resources else action_problem(item, self.strict_actions)
            ):
                self.fail(f"{prop}[{index}]", problem)
        return "present"

    def _on(self, news: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        value = news.get("on")
        if value is None:
            inputs["on"] = True
        elif self.is_unknown(value) or isinstance(value, bool):
            inputs["on"] = value
        elif isinstance(value, str) and value.lower() in ("true", "false"):
            inputs["on"] = value.lower() == "true"
        else:
            inputs["on"] = value
            self.fail("on", f"must be a boolean (true or false); got {_describe(value)}")

    def _tags(self, news: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        value = news.get("tags")
        if value is None:
            inputs["tags"] = []
            return
        if self.is_unknown(value):
            inputs["tags"] = value
            return
        if not isinstance(value, (list, tuple)):
            inputs["tags"] = value
            self.fail("tags", f"must be a list of strings; got {_describe(value)}")
            return
        tags: list[Any] = []
        seen: set[str] = set()
        for index, tag in enumerate(value):
            if self.is_unknown(tag):
                tags.append(tag)
                continue
            if not isinstance(tag, str):
                self.fail(f"tags[{index}]", f"must be a string; got {_describe(tag)}")
            elif not TAG_PATTERN.fullmatch(tag):
                self.fail(
                    f"tags[{index}]",
                    f"{tag!r} is not a tag LaunchDarkly accepts: use only letters, digits, '.', '_' "
                    "and '-', 1 to 64 characters",
                )
            if isinstance(tag, str):
                if tag in seen:
                    continue
                seen.add(tag)
            tags.append(tag)
        inputs["tags"] = tags

    def _change_comment(self, news: Mapping[str, Any], inputs: dict[str, Any]) -> None:
        value = news.get("changeComment")
        if value is None:
            return
        inputs["changeComment"] = value
        if not self.is_unknown(value) and not isinstance(value, str):
            self.fail(
                "changeComment",
                "must be a string: the comment LaunchDarkly records with each change; "
                f"got {_describe(value)}",
            )

    def _adopt_id(self, news: Mapping[str, Any], inputs: dict[str, Any], integration_key: str | None) -> None:
        value = news.get("adoptId")
        if value is None:
            return
        inputs["adoptId"] = value
        if self.is_unknown(value):
            return
        allowed = (
            "a subscription id, or <integrationKey>/<subscription id>, where the id is LaunchDarkly's "
            "24 lowercase hexadecimal digits (such as datadog/65f0c0ffee0123456789abcd)"
        )
        if not isinstance(value, str):
            self.fail("adoptId", f"must be a string: {allowed}; got {_describe(value)}")
            return
        key, subscription_id = split_ref(value)
        if (
            (key is not None and (not key or "/" in key or _has_space(key) or _text_problem(key)))
            or not is_subscription_id(subscription_id)
            or len(value) > MAX_NAME_LENGTH
        ):
            self.fail("adoptId", f"{_shown(value)} is not {allowed}")
        elif key is not None and integration_key is not None and key != integration_key:
            self.fail(
                "adoptId",
                f"names integration {key!r} but integrationKey is {integration_key!r}; they must match "
                "(or give the subscription id alone)",
            )


def _unknown_property_reason(key: str) -> str:
    suggestion = "."
    if to_camel(key) in INPUT_KEYS and to_camel(key) != key:
        suggestion = f"; did you mean {to_camel(key)}?"
    elif close := difflib.get_close_matches(key, INPUT_KEYS, n=1):
        suggestion = f"; did you mean {close[0]}?"
    return f"unknown property {key!r}{suggestion} Allowed properties: {', '.join(INPUT_KEYS)}"


def _unknown_config_key_reason(integration: Integration, key: str) -> str:
    keys = _field_keys(integration)
    # Keys are case-sensitive and verbatim: point out `hostUrl` -> `hostURL`, `base_url` -> `base-url`.
    folded = {_fold(k): k for k in keys}
    close = folded.get(_fold(key)) or next(iter(difflib.get_close_matches(key, keys, n=1)), None)
    suggestion = f"; did you mean {close}? Config keys are case-sensitive." if close else "."
    return (
        f"{key!r} is not a config field of {integration.key}{suggestion} "
        f"Allowed keys: {', '.join(keys) or '(none)'}"
    )


def _field_keys(integration: Integration) -> list[str]:
    """The config keys a user may set (generated fields are outputs)."""
    return [v.key for v in integration.form_variables if not v.is_generated]


def _fold(key: str) -> str:
    return re.sub(r"[-_]", "", key).lower()


def _expected(variable: FormVariable) -> str:
    if variable.type == "boolean":
        return "a boolean (true or false)"
    if variable.type == "uri":
        return "an absolute http(s) URL"
    if variable.type == "enum" and variable.allowed_values:
        return "a string, one of: " + ", ".join(variable.allowed_values)
    return "a string"


def _is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, nothing a parser could read two ways."""
    if _has_space(value) or _text_problem(value) or "\\" in value:
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in range
        return parts.scheme.lower() in _HTTP_SCHEMES and bool(parts.hostname)
    except ValueError:  # e.g. an invalid IPv6 literal or port
        return False


def _url_problem(value: str) -> str:
    """What keeps ``value`` from being an http(s) URL, in words that never quote it (it may be a secret)."""
    if _has_space(value):
        return "; it contains whitespace"
    if "\\" in value:
        return "; it contains a backslash"
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return "; its host or port cannot be parsed"
    if not parts.scheme:
        return "; it has no scheme (https://)"
    if parts.scheme.lower() not in _HTTP_SCHEMES:
        return "; its scheme is not http or https"
    return "; it names no host"


def _has_space(value: str) -> bool:
    return any(char.isspace() for char in value)


def _text_problem(value: str) -> str | None:
    """Why ``value`` is not printable text (control, bidi-override or unpaired surrogate), or None.

    Names the code point, never the value, so it is safe for secrets.
    """
    if value.isprintable():  # C fast path: no Cc, Cf, Cs, Zl or Zp character at all
        return None
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" or category in ("Zl", "Zp"):
            return f"contains a control character (U+{ord(char):04X})"
        if char in _BIDI_CONTROLS:
            return f"contains a bidirectional-text control character (U+{ord(char):04X})"
        if category == "Cs":
            return "contains an unpaired surrogate, which is not valid Unicode text"
    return None


def _is_invisible(char: str) -> bool:
    return char in _FILLERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def _shown(value: str) -> str:
    """``repr`` of a value for a message, cut short so a pasted blob cannot flood the output."""
    return repr(value) if len(value) <= 80 else repr(value[:80]) + "..."


def _describe(value: Any) -> str:
    """A value's JSON type, never the value itself (it may be a secret)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__

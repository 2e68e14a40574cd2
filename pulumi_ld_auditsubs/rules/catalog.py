"""The catalog of LaunchDarkly audit-log integrations and their form variables.

Loaded once from the generated package data ``data/integrations.json`` (see
``scripts/generate_catalog.py``) into frozen, typed models. Both the provider (validation, defaults,
secret handling) and the emulator (server-side validation, masking) read this one catalog, so the two
can never disagree about which config keys exist. Config keys are LaunchDarkly's, verbatim
(``hostURL``, ``base-url``): nothing here converts their case.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from pulumi_ld_auditsubs.rules.catalog_overrides import CREDENTIAL_URLS

FieldType = Literal[
    "string",
    "boolean",
    "uri",
    "enum",
    "oauth",
    "dynamicEnum",
    "generated",
    "environmentSelector",
    "multiselect",
    "publicKey",
]


class _CatalogModel(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")


class FormVariable(_CatalogModel):
    """One config field of an integration, as its manifest declares it."""

    key: str
    """The config key exactly as LaunchDarkly spells it."""
    type: FieldType
    is_optional: bool = False
    is_secret: bool = False
    """Secret values are masked by the API on every read and kept as Pulumi secrets."""
    credential_reason: str = ""
    """Why a value the API does not mask is still a credential (a webhook URL); see ``catalog_overrides``."""
    default_value: str | bool | None = None
    """What LaunchDarkly stores when an optional field is omitted."""
    allowed_values: tuple[str, ...] = ()
    description: str = ""

    @property
    def is_state_secret(self) -> bool:
        """Kept as a Pulumi secret in inputs and state: masked by the API, or a credential URL."""
        return self.is_secret or bool(self.credential_reason)

    @property
    def is_generated(self) -> bool:
        """``generated`` fields (cloudtrail ``externalId``) are filled in by LaunchDarkly."""
        return self.type == "generated"


class Integration(_CatalogModel):
    """An integration that accepts audit log subscriptions."""

    key: str
    name: str
    default_policy: tuple[dict[str, Any], ...] = ()
    """The statements LaunchDarkly's UI pre-fills for this integration."""
    form_variables: tuple[FormVariable, ...] = Field(default=())

    def variable(self, key: str) -> FormVariable | None:
        """The form variable called ``key``, or None."""
        return next((v for v in self.form_variables if v.key == key), None)

    @property
    def secret_keys(self) -> frozenset[str]:
        """Fields LaunchDarkly masks on every read (``isSecret`` in the manifest)."""
        return frozenset(v.key for v in self.form_variables if v.is_secret)

    @property
    def state_secret_keys(self) -> frozenset[str]:
        """Fields the resource wraps as Pulumi secrets: the masked ones plus credential URLs."""
        return frozenset(v.key for v in self.form_variables if v.is_state_secret)

    @property
    def generated_keys(self) -> frozenset[str]:
        """Fields LaunchDarkly fills in itself: outputs, never declared or compared."""
        return frozenset(v.key for v in self.form_variables if v.is_generated)

    @property
    def defaults(self) -> dict[str, str | bool]:
        """The values LaunchDarkly fills in for omitted optional fields."""
        return {
            v.key: v.default_value
            for v in self.form_variables
            if v.is_optional and v.default_value is not None
        }


class Catalog(Mapping[str, Integration]):
    """All known integrations by key; a read-only mapping."""

    def __init__(self, integrations: Mapping[str, Integration]) -> None:
        self._integrations = dict(integrations)

    def __getitem__(self, key: str) -> Integration:
        return self._integrations[key]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._integrations))

    def __len__(self) -> int:
        return len(self._integrations)

    def closest(self, key: str, limit: int = 3) -> list[str]:
        """Known keys that look like ``key``, best first (for "did you mean" messages)."""
        return difflib.get_close_matches(key, list(self), n=limit, cutoff=0.5)

    @classmethod
    def from_json(
        cls, document: Mapping[str, Any], overrides: Mapping[str, Mapping[str, str]] = CREDENTIAL_URLS
    ) -> Catalog:
        """The catalog of a generated document, with ``overrides`` marking credential URL fields."""
        integrations: dict[str, Integration] = {}
        for key, entry in document["integrations"].items():
            reasons = overrides.get(key, {})
            variables = [
                {**variable, "credentialReason": reasons.get(variable["key"], "")}
                for variable in entry.get("formVariables", [])
            ]
            integrations[key] = Integration.model_validate({"key": key, **entry, "formVariables": variables})
        return cls(integrations)


@cache
def load_catalog() -> Catalog:
    """The bundled catalog, parsed once per process."""
    text = resources.files("pulumi_ld_auditsubs").joinpath("data/integrations.json").read_text("utf-8")
    return Catalog.from_json(json.loads(text))

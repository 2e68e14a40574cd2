"""The files of an exported Pulumi project, from subscriptions as LaunchDarkly returned them.

Pure: no I/O, no network. :mod:`pulumi_ld_auditsubs.commands.export` reads the subscriptions and writes
what :func:`render_project` returns. Every subscription becomes one ``AuditLogSubscription`` with
``adopt_id``, so the first ``pulumi up`` takes it over instead of creating a second one:

* values are written as LaunchDarkly holds them (config keys verbatim), except optional ones equal
  to the catalog default (and ``on=True``, ``tags=[]``), which the resource fills in itself;
* a catalog integration's config is built with its ``TypedDict`` class (``DatadogConfig(...)``, from
  :mod:`pulumi_ld_auditsubs.config_types`), so a type checker checks the exported program's keys and
  values; a config the class would not accept (a key or value the catalog does not know) stays a
  plain dict, with a warning;
* a secret field (masked by LaunchDarkly or a credential URL by the catalog's override, or, outside
  the catalog, a value that comes back masked) becomes
  ``config.require_secret("<stack config key>")``: its value is never written anywhere, and
  :attr:`ExportedProject.secrets` lists what the user must set;
* ``generated`` fields (cloudtrail ``externalId``) are outputs and are left out;
* resource names come from the subscription names, made unique with the end of the id.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_ld_auditsubs.api.settings import ALLOW_UNKNOWN_KEY, HOST_ENV, HOST_KEY, TOKEN_KEY
from pulumi_ld_auditsubs.commands._pysource import Call, Exploded, exploded
from pulumi_ld_auditsubs.config_types import CONFIG_TYPES
from pulumi_ld_auditsubs.rules.catalog import Catalog, FormVariable, Integration
from pulumi_ld_auditsubs.rules.masking import looks_masked
from pulumi_ld_auditsubs.rules.models import Subscription, document_from_api
from pulumi_ld_auditsubs.rules.patch import json_equal
from pulumi_ld_auditsubs.rules.statement import PYTHON_NAMES

_STATEMENT_ARGUMENTS = tuple((wire, name) for wire, name in PYTHON_NAMES.items() if wire != "effect")
"""(wire key, ``Statement`` argument) of a statement's lists, in the order ``Statement`` takes them."""


@dataclass(frozen=True)
class FoundSubscription:
    """One subscription read from LaunchDarkly, with the integration key it was listed under."""

    integration_key: str
    subscription: Subscription
    """As the client parsed it, secrets masked."""


@dataclass(frozen=True)
class SecretSetting:
    """A secret config value the user must set in the stack before ``pulumi up``."""

    config_key: str
    """The stack config key, without the project namespace (``productionAuditLogApiKey``)."""
    integration_key: str
    field: str
    """The subscription's config field, verbatim (``apiKey``)."""
    subscription_name: str
    resource_name: str
    masked: bool = True
    """False for a credential LaunchDarkly returns in clear (a webhook URL): readable in its UI."""

    def command(self, stack: str) -> str:
        """The CLI command; without a value on the command line, ``pulumi`` prompts for it."""
        return f"pulumi config set --stack {stack} --secret {self.config_key}"

    @property
    def about(self) -> str:
        where = "" if self.masked else " (a credential URL: copy it from the subscription in LaunchDarkly)"
        return f"{self.integration_key} {self.field} of {self.subscription_name!r}{where}"


@dataclass(frozen=True)
class ExportedProject:
    """What an export writes, and what it tells the user."""

    files: dict[str, str]
    """File name in the output directory -> text."""
    secrets: list[SecretSetting] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    """Subscriptions exported per integration key."""
    unknown_integrations: list[str] = field(default_factory=list)
    """Integration keys outside the catalog (the stack allows them)."""
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many subscriptions were exported, per integration."""
        total = sum(self.counts.values())
        noun = "subscription" if total == 1 else "subscriptions"
        if not total:
            return "exported 0 audit log subscriptions"
        parts = [
            f"{key} {count}" + (" (not in the catalog)" if key in self.unknown_integrations else "")
            for key, count in sorted(self.counts.items())
        ]
        return f"exported {total} audit log {noun}: {', '.join(parts)}"


def render_project(
    found: Sequence[FoundSubscription],
    *,
    catalog: Catalog,
    project: str,
    stack: str,
    requirements: str,
    api_host: str,
) -> ExportedProject:
    """The project's files: ``Pulumi.yaml``, ``Pulumi.<stack>.yaml``, ``__main__.py``,
    ``requirements.txt`` and ``README.md``."""
    ordered = sorted(found, key=lambda f: (f.integration_key, f.subscription.name, f.subscription.id))
    names = resource_names(ordered)
    secrets: list[SecretSetting] = []
    warnings: list[str] = []
    taken_keys: set[str] = set()
    calls: list[str] = []
    typed: set[str] = set()
    for item, resource_name in zip(ordered, names, strict=True):
        call, item_secrets, config_class = _subscription_call(
            item, resource_name, catalog.get(item.integration_key), taken_keys
        )
        secrets += item_secrets
        calls.append(call)
        if config_class is not None:
            typed.add(config_class)
        elif item.integration_key in catalog and item.integration_key in CONFIG_TYPES:
            warnings.append(
                f"{item.integration_key} subscription {item.subscription.name!r} holds config that this "
                f"release's catalog does not describe, so resource {resource_name!r} passes it as a plain "
                "dict, unchecked by type checkers (the provider checks it at preview)"
            )
        if not item.subscription.statements:
            warnings.append(
                f"{item.integration_key} subscription {item.subscription.name!r} has no policy statements; "
                f"add at least one to resource {resource_name!r} in __main__.py before `pulumi up`"
            )
    counts = dict(Counter(f.integration_key for f in ordered))
    unknown = sorted(key for key in counts if key not in catalog)
    exported = ExportedProject(
        files={}, secrets=secrets, counts=counts, unknown_integrations=unknown, warnings=warnings
    )
    exported.files.update(
        {
            "Pulumi.yaml": _pulumi_yaml(project),
            f"Pulumi.{stack}.yaml": _stack_yaml(exported, stack, api_host),
            "__main__.py": _main_py(
                calls,
                uses_config=bool(secrets),
                uses_statement="Statement(" in "".join(calls),
                config_classes=sorted(typed),
            ),
            "requirements.txt": requirements,
            "README.md": _readme(exported, project, stack, api_host),
        }
    )
    return exported


def resource_names(found: Sequence[FoundSubscription]) -> list[str]:
    """A Pulumi resource name per subscription: its name as a slug, unique with the id's last characters.

    Depends only on each subscription's own name and id (and which names collide), so exporting the
    same account twice gives the same names.
    """
    slugs = [_slug(f.subscription.name) or f.integration_key for f in found]
    counts = Counter(slugs)
    names = []
    for slug, item in zip(slugs, found, strict=True):
        subscription_id = item.subscription.id
        names.append(slug if counts[slug] == 1 else f"{slug}-{subscription_id[-6:]}")
    seen: Counter[str] = Counter(names)
    return [
        name if seen[name] == 1 else f"{name}-{item.subscription.id}"
        for name, item in zip(names, found, strict=True)
    ]


def config_key_for(resource_name: str, field_key: str, taken: set[str]) -> str:
    """A stack config key naming the resource and the field (``productionAuditLog`` + ``ApiKey``)."""
    words = re.split(r"[^A-Za-z0-9]+", resource_name) + re.split(r"[^A-Za-z0-9]+", field_key)
    words = [w for w in words if w]
    key = "".join(w[:1].upper() + w[1:] for w in words)
    key = key[:1].lower() + key[1:]
    if not key[:1].isalpha():
        key = "subscription" + key[:1].upper() + key[1:]
    candidate, number = key, 2
    while candidate in taken:
        candidate, number = f"{key}{number}", number + 1
    taken.add(candidate)
    return candidate


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")


def _subscription_call(
    item: FoundSubscription, resource_name: str, integration: Integration | None, taken_keys: set[str]
) -> tuple[str, list[SecretSetting], str | None]:
    """The ``AuditLogSubscription(...)`` source, its secrets, and the ``TypedDict`` class it uses."""
    document = document_from_api(item.subscription)
    subscription_id = item.subscription.id
    config: dict[str, Any] = {}
    secrets: list[SecretSetting] = []
    # Webhook URLs come back in clear but are credentials (see catalog_overrides): never written either.
    secret_keys = integration.state_secret_keys if integration else frozenset()
    generated = integration.generated_keys if integration else frozenset()
    defaults = integration.defaults if integration else {}
    for key, value in document["config"].items():
        if key in generated:
            continue
        if key in secret_keys or looks_masked(value):
            config_key = config_key_for(resource_name, key, taken_keys)
            config[key] = Call("config.require_secret", (config_key,))
            secrets.append(
                SecretSetting(
                    config_key,
                    item.integration_key,
                    key,
                    document["name"],
                    resource_name,
                    masked=looks_masked(value),
                )
            )
        elif key in defaults and json_equal(defaults[key], value):
            continue
        else:
            config[key] = value
    config_class = _config_class(item.integration_key, integration, config)
    config_source: Any = Exploded(config)
    if config_class is not None and all(key.isidentifier() for key in config):
        config_source = Exploded(Call(config_class, (), list(config.items())))
    elif config_class is not None:  # keys such as ``base-url``: the class takes the dict itself
        config_source = Exploded(Call(config_class, (Exploded(config),)))
    kwargs: list[tuple[str, Any]] = [
        ("integration_key", item.integration_key),
        ("name", document["name"]),
        ("config", config_source),
        ("statements", Exploded([_statement(s) for s in document["statements"]])),
    ]
    if document["on"] is not True:
        kwargs.append(("on", False))
    if document["tags"]:
        kwargs.append(("tags", list(document["tags"])))
    kwargs.append(("adopt_id", f"{item.integration_key}/{subscription_id}"))
    return exploded(Call("AuditLogSubscription", (resource_name,), kwargs)), secrets, config_class


def _config_class(
    integration_key: str, integration: Integration | None, config: Mapping[str, Any]
) -> str | None:
    """The ``TypedDict`` class name for ``config``, or None when the class would not accept it.

    It would not when the catalog lacks the integration, a key, or a value (an enum value added
    later, a boolean stored as a string), or a required key is missing: a plain dict still
    type-checks (through the resource's ``Mapping`` overload), so the program stays valid.
    """
    typed_dict = CONFIG_TYPES.get(integration_key)
    if integration is None or typed_dict is None:
        return None
    settable = {v.key: v for v in integration.form_variables if not v.is_generated}
    required = {key for key, v in settable.items() if not v.is_optional}
    if not required <= config.keys() or not config.keys() <= settable.keys():
        return None
    if not all(isinstance(value, Call) or _fits(settable[key], value) for key, value in config.items()):
        return None
    return str(typed_dict.__name__)


def _fits(variable: FormVariable, value: Any) -> bool:
    """Whether a value read from LaunchDarkly has the type its ``TypedDict`` field declares."""
    if variable.type == "boolean":
        return isinstance(value, bool)
    if variable.type == "enum" and variable.allowed_values:
        return value in variable.allowed_values
    if variable.type in ("string", "uri", "enum", "oauth", "dynamicEnum", "publicKey", "environmentSelector"):
        return isinstance(value, str)
    return True


def _statement(statement: Mapping[str, Any]) -> Call:
    kwargs: list[tuple[str, Any]] = [("effect", statement.get("effect"))]
    kwargs += [(argument, list(statement[key])) for key, argument in _STATEMENT_ARGUMENTS if key in statement]
    return Call("Statement", (), kwargs)


def _main_py(
    calls: list[str], *, uses_config: bool, uses_statement: bool, config_classes: Sequence[str] = ()
) -> str:
    imports = "AuditLogSubscription, Statement" if uses_statement else "AuditLogSubscription"
    lines = [
        '"""LaunchDarkly audit log subscriptions, exported by `pulumi-ld-auditsubs export`.',
        "",
        "Each one is adopted (adopt_id): the first `pulumi up` takes it over instead of creating it",
        "again. Secret config values are not exported; set them first, as README.md says.",
        '"""',
        "",
        "import pulumi",
        "",
        f"from pulumi_ld_auditsubs import {imports}",
        *_config_imports(config_classes),
        "",
    ]
    if uses_config:
        lines += ["config = pulumi.Config()", ""]
    for call in calls:
        lines += [call, ""]
    if not calls:
        lines += ['pulumi.log.info("no audit log subscriptions were exported")', ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _config_imports(names: Sequence[str]) -> list[str]:
    """``from pulumi_ld_auditsubs.config_types import ...``, wrapped the way ruff formats it."""
    if not names:
        return []
    line = f"from pulumi_ld_auditsubs.config_types import {', '.join(names)}"
    if len(line) <= 88:
        return [line]
    return ["from pulumi_ld_auditsubs.config_types import (", *(f"    {name}," for name in names), ")"]


def _pulumi_yaml(project: str) -> str:
    return (
        f"name: {project}\n"
        "description: LaunchDarkly audit log subscriptions, exported by pulumi-ld-auditsubs.\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        "    virtualenv: venv\n"
    )


def _stack_yaml(exported: ExportedProject, stack: str, api_host: str) -> str:
    """The stack file: the host the subscriptions were read from, and nothing that could be secret.

    ``launchdarkly:apiHost`` pins the stack to the instance that holds its subscriptions (stack config
    wins over ``LAUNCHDARKLY_API_HOST``), so the first ``up`` adopts them there rather than looking at
    the default host. The host never carries credentials (the settings refuse ``user@``).
    """
    lines = [
        f"# Exported by pulumi-ld-auditsubs from {api_host}, which holds these subscriptions:",
        f"# {HOST_KEY} below points the stack there (stack config wins over {HOST_ENV}).",
        "# Secrets are not in this file. Set them (pulumi prompts for each value):",
        f"#   pulumi config set --stack {stack} --secret {TOKEN_KEY}",
        *(f"#   {s.command(stack)}" for s in exported.secrets),
    ]
    if exported.unknown_integrations:
        lines += [
            f"# {', '.join(exported.unknown_integrations)}: not in this provider's catalog, so their",
            "# config is checked by LaunchDarkly only.",
        ]
    lines += ["config:", f"  {HOST_KEY}: {json.dumps(api_host)}"]
    if exported.unknown_integrations:
        lines.append(f'  {ALLOW_UNKNOWN_KEY}: "true"')
    return "\n".join(lines) + "\n"


def _readme(exported: ExportedProject, project: str, stack: str, api_host: str) -> str:
    commands = [f"pulumi config set --stack {stack} --secret launchdarkly:accessToken"]
    commands += [f"{s.command(stack)}  # {s.about}" for s in exported.secrets]
    total = sum(exported.counts.values())
    parts = [
        f"# {project}",
        "",
        "LaunchDarkly's audit log subscriptions as a Pulumi program, exported by",
        f"`pulumi-ld-auditsubs export` from {api_host}: {exported.summary().removeprefix('exported ')}.",
        "",
        "Every subscription is declared with `adopt_id`, so the first `pulumi up` takes the existing",
        "subscription over (one GET, and one PATCH only where a secret has to be written) instead of",
        f"creating a second one. `Pulumi.{stack}.yaml` sets `launchdarkly:apiHost` to {api_host}, the",
        "host that holds them; each config is built with its integration's `TypedDict`",
        "(`pulumi_ld_auditsubs.config_types`), so `mypy --strict` checks the program.",
        "",
        "## Before the first `pulumi up`",
        "",
        "LaunchDarkly returns secret config values masked, so they are not in this program. Set each",
        "one in the stack (`pulumi` prompts for the value, so it stays off the command line and out of",
        "the shell history):",
        "",
        "```bash",
        "pulumi install",
        f"pulumi stack init {stack}   # or: pulumi stack select {stack}",
        *commands,
        "pulumi preview",
        "pulumi up",
        "```",
        "",
    ]
    if exported.unknown_integrations:
        parts += [
            "## Integrations outside the catalog",
            "",
            f"{', '.join(exported.unknown_integrations)} are not in this provider's integration catalog. The",
            f'stack file sets `{ALLOW_UNKNOWN_KEY}: "true"` so that the provider manages them anyway,',
            "leaving their config to LaunchDarkly to validate. Config values that came back masked are",
            "treated as secrets above; the others are written as LaunchDarkly returned them. If one of",
            "those is a credential (a webhook URL, say), move it to a secret: `config.require_secret(...)`.",
            "",
        ]
    if exported.warnings:
        parts += ["## Needs attention", "", *(f"- {w}" for w in exported.warnings), ""]
    parts += [
        "## Without the Pulumi CLI",
        "",
        f"The local engine runs the same program with no CLI, at the host the stack file names ({api_host});",
        "it takes the secrets as `--config`:",
        "",
        "```bash",
        " \\\n  ".join(
            [f"pulumi-ld-auditsubs local up . --stack {stack}", "--config launchdarkly:accessToken=..."]
            + [f"--config {s.config_key}=..." for s in exported.secrets]
        ),
        "```",
        "",
    ]
    if total:
        parts += [
            f"The first `up` reports {total} created: each is an adoption, not a new subscription.",
            "",
        ]
    return "\n".join(parts)

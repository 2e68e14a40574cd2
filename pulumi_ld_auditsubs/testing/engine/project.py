"""The Pulumi project (``Pulumi.yaml``) and one stack's configuration (``Pulumi.<stack>.yaml``).

Configuration is resolved the way the Pulumi CLI resolves it, lowest precedence first:

1. project defaults in ``Pulumi.yaml`` ``config:`` (``key: value`` or ``key: {default: value}``);
2. the stack file's ``config:`` mapping;
3. the environment variable ``PULUMI_LOCAL_CONFIG_<NAMESPACE>_<KEY>`` (:func:`env_var_for`), for
   every key: those the files name (a ``secure:`` value must come from here or from
   ``--config``, because the CLI's ciphertext cannot be decrypted here), this library's own
   provider settings (:data:`PROVIDER_KEYS`, so ``PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN``
   alone configures the token), and any other key the program reads (:class:`StackConfig`
   ``environ``, looked up by name when the program asks for it);
4. ``--config KEY=VALUE`` overrides.

Keys without a namespace get ``<project>:``. Values are strings like the CLI hands them to programs
and providers: booleans ``true``/``false``, numbers as text, objects and lists as compact JSON.
A key is secret if its stack-file value is ``secure:``, its project schema says ``secret: true``,
or it is one of :data:`SECRET_PROVIDER_KEYS`. A key that only the environment names, read by the
program, is secret only if the program reads it as one (``require_secret``), as with ``pulumi``.

``refresh`` and ``destroy`` configure the provider with the configuration recorded at the last
``up`` (:mod:`.runner`), so they load the stack config with ``require_secure=False``: a
``secure:`` value that nothing supplies is left out instead of refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulumi_ld_auditsubs.api.settings import CONFIG_KEYS, PLUGIN_ONLY_KEYS, TOKEN_KEY
from pulumi_ld_auditsubs.testing.engine.errors import ConfigError

ENV_PREFIX = "PULUMI_LOCAL_CONFIG_"
PROVIDER_KEYS: frozenset[str] = frozenset({*CONFIG_KEYS, *PLUGIN_ONLY_KEYS.values()})
"""This library's provider settings: read from the environment even where no file names them."""
SECRET_PROVIDER_KEYS: frozenset[str] = frozenset({TOKEN_KEY, PLUGIN_ONLY_KEYS[TOKEN_KEY]})
"""Provider settings that are secret wherever their value comes from (the access tokens)."""


@dataclass(frozen=True)
class Project:
    """What the engine needs from ``Pulumi.yaml``."""

    name: str
    directory: Path
    main: Path
    """The program to run: a directory with ``__main__.py`` or a ``.py`` file (Python), the entry
    point the Node.js SDK's ``run`` resolves (``main:`` of ``Pulumi.yaml``, default the directory)."""
    runtime_options: dict[str, str] = field(default_factory=dict)
    config_defaults: dict[str, str] = field(default_factory=dict)
    secret_keys: frozenset[str] = frozenset()
    runtime: str = "python"
    """``python`` or ``nodejs`` (JavaScript, run with the program's own ``@pulumi/pulumi``)."""


RUNTIMES = ("python", "nodejs")


@dataclass(frozen=True)
class StackConfig:
    """Resolved configuration of one stack: namespaced key -> string value."""

    values: dict[str, str]
    secret_keys: frozenset[str]
    environ: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """The ``PULUMI_LOCAL_CONFIG_*`` variables, for keys the program reads that no file names."""

    def lookup(self, key: str) -> str | None:
        """``key``'s value for the program: resolved, else from ``PULUMI_LOCAL_CONFIG_<KEY>``."""
        if key in self.values:
            return self.values[key]
        return self.environ.get(env_var_for(key))

    def with_secrets_wrapped(self) -> dict[str, Any]:
        """The config as sent to ``Configure``: secret values wrapped as RPC secrets."""
        from pulumi_ld_auditsubs.testing.engine.values import wrap_secret

        return {k: wrap_secret(v) if k in self.secret_keys else v for k, v in self.values.items()}


def env_var_for(key: str) -> str:
    """``launchdarkly:accessToken`` -> ``PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN``.

    The namespaced key (``<namespace>:<key>``) with ASCII letters upper-cased, digits and ``_``
    kept and anything else (``:``, ``-``, ``.``) turned into ``_``: the scrubbing the Pulumi SDK
    applies to ``PULUMI_CONFIG_<KEY>`` (``get_config_env_key`` in ``pulumi/runtime/config.py``).
    So ``myaudit:streamName`` -> ``PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME`` and
    ``ld-auditsubs:retryTimeoutSeconds`` -> ``PULUMI_LOCAL_CONFIG_LD_AUDITSUBS_RETRYTIMEOUTSECONDS``.
    """
    scrubbed = "".join(c.upper() if c.isascii() and (c.isalnum() or c == "_") else "_" for c in key)
    return ENV_PREFIX + scrubbed


def namespaced(key: str, project: str) -> str:
    """Prefix ``key`` with ``<project>:`` unless it already has a namespace."""
    return key if ":" in key else f"{project}:{key}"


def config_text(value: Any) -> str:
    """Serialize a YAML config value the way the Pulumi CLI does."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must contain a YAML mapping")
    return {str(k): v for k, v in loaded.items()}


def load_project(directory: Path) -> Project:
    """Read ``<directory>/Pulumi.yaml`` (or ``Pulumi.yml``)."""
    directory = directory.resolve()
    path = next((p for p in (directory / "Pulumi.yaml", directory / "Pulumi.yml") if p.is_file()), None)
    if path is None:
        raise ConfigError(f"no Pulumi.yaml in {directory}")
    doc = _read_yaml(path)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}: 'name' is required")
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name not in RUNTIMES:
        raise ConfigError(
            f"{path}: runtime {runtime_name!r} is not supported (use {' or '.join(map(repr, RUNTIMES))})"
        )
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    main = directory / str(doc.get("main", "."))
    if runtime_name == "nodejs":
        if not main.exists():
            raise ConfigError(f"{path}: no program at {main}")
    elif not (main.is_file() or (main / "__main__.py").is_file()):
        raise ConfigError(f"{path}: no program at {main} (expected __main__.py)")
    defaults: dict[str, str] = {}
    secret: set[str] = set()
    for raw_key, spec in (doc.get("config") or {}).items():
        key = namespaced(str(raw_key), name)
        if isinstance(spec, dict):
            if spec.get("secret") is True:
                secret.add(key)
            for form in ("default", "value"):
                if form in spec:
                    defaults[key] = config_text(spec[form])
        else:
            defaults[key] = config_text(spec)
    return Project(
        name=name,
        directory=directory,
        main=main,
        runtime_options={str(k): config_text(v) for k, v in (options or {}).items()},
        config_defaults=defaults,
        secret_keys=frozenset(secret),
        runtime=str(runtime_name),
    )


def _is_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_is_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_secure(v) for v in value)
    return False


def load_stack_config(
    project: Project,
    stack: str,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_secure: bool = True,
) -> StackConfig:
    """Resolve the configuration of ``stack`` (see the module docstring for precedence)."""
    environ = os.environ if environ is None else environ
    values = dict(project.config_defaults)
    secret = set(project.secret_keys)
    secure: set[str] = set()
    path = project.directory / f"Pulumi.{stack}.yaml"
    stack_doc = _read_yaml(path) if path.is_file() else {}
    wanted = {namespaced(k, project.name): v for k, v in (overrides or {}).items()}
    for raw_key, value in (stack_doc.get("config") or {}).items():
        key = namespaced(str(raw_key), project.name)
        if _is_secure(value):
            secret.add(key)
            secure.add(key)
            values.pop(key, None)  # a project default never stands in for a secret
        else:
            values[key] = config_text(value)
    for key in sorted({*values, *secure, *PROVIDER_KEYS}):
        env_name = env_var_for(key)
        if env_name in environ:
            values[key] = environ[env_name]
            if key in SECRET_PROVIDER_KEYS:
                secret.add(key)
    values.update(wanted)
    secret.update(key for key in wanted if key in SECRET_PROVIDER_KEYS)
    missing = sorted(key for key in secure if key not in values)
    if missing and require_secure:
        lines = [
            f"  {key}: pass --config {key}=VALUE or set the environment variable {env_var_for(key)}"
            for key in missing
        ]
        raise ConfigError(
            f"{path.name} has secure (encrypted) values that only the Pulumi CLI can decrypt; "
            "supply them in plain text instead:\n" + "\n".join(lines)
        )
    local = {name: value for name, value in environ.items() if name.startswith(ENV_PREFIX)}
    return StackConfig(values=values, secret_keys=frozenset(secret), environ=local)

"""The Pulumi project (``Pulumi.yaml``) and one stack's configuration (``Pulumi.<stack>.yaml``).

Configuration is resolved the way the Pulumi CLI resolves it, lowest precedence first:

1. project defaults in ``Pulumi.yaml`` ``config:`` (``key: value`` or ``key: {default: value}``);
2. the stack file's ``config:`` mapping;
3. for keys whose stack-file value is ``secure:``, the environment variable
   ``PULUMI_LOCAL_CONFIG_<KEY>`` (see :func:`env_var_for`), because the CLI's ciphertext cannot be
   decrypted here;
4. ``--config KEY=VALUE`` overrides.

Keys without a namespace get ``<project>:``. Values are strings like the CLI hands them to programs
and providers: booleans ``true``/``false``, numbers as text, objects and lists as compact JSON.
A key is secret if its stack-file value is ``secure:`` (or its project schema says ``secret: true``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulumi_ld_auditsubs.testing.engine.errors import ConfigError

ENV_PREFIX = "PULUMI_LOCAL_CONFIG_"


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

    def with_secrets_wrapped(self) -> dict[str, Any]:
        """The config as sent to ``Configure``: secret values wrapped as RPC secrets."""
        from pulumi_ld_auditsubs.testing.engine.values import wrap_secret

        return {k: wrap_secret(v) if k in self.secret_keys else v for k, v in self.values.items()}


def env_var_for(key: str) -> str:
    """``launchdarkly:accessToken`` -> ``PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN``.

    Letters are upper-cased, digits and ``_`` kept, anything else (``:``, ``-``, ``.``) becomes
    ``_``: the same scrubbing the Pulumi SDK applies to ``PULUMI_CONFIG_<KEY>``.
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
) -> StackConfig:
    """Resolve the configuration of ``stack`` (see the module docstring for precedence)."""
    environ = os.environ if environ is None else environ
    values = dict(project.config_defaults)
    secret = set(project.secret_keys)
    missing: list[str] = []
    path = project.directory / f"Pulumi.{stack}.yaml"
    stack_doc = _read_yaml(path) if path.is_file() else {}
    wanted = {namespaced(k, project.name): v for k, v in (overrides or {}).items()}
    for raw_key, value in (stack_doc.get("config") or {}).items():
        key = namespaced(str(raw_key), project.name)
        if _is_secure(value):
            secret.add(key)
            env_name = env_var_for(key)
            if key in wanted:
                continue
            if env_name in environ:
                values[key] = environ[env_name]
            else:
                missing.append(key)
        else:
            values[key] = config_text(value)
    values.update(wanted)
    if missing:
        lines = [
            f"  {key}: pass --config {key}=VALUE or set the environment variable {env_var_for(key)}"
            for key in missing
        ]
        raise ConfigError(
            f"{path.name} has secure (encrypted) values that only the Pulumi CLI can decrypt; "
            "supply them in plain text instead:\n" + "\n".join(lines)
        )
    return StackConfig(values=values, secret_keys=frozenset(secret))

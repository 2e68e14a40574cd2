"""The provider's settings: stack config first, then the environment, then defaults.

``launchdarkly:accessToken`` and ``launchdarkly:apiHost`` are shared with the bridged LaunchDarkly
provider, which understands both. Everything else this library reads lives in its own
``ld-auditsubs:`` namespace, because the bridged provider rejects keys it does not know in the
``launchdarkly:`` namespace, so a program using both would break. The old
``launchdarkly:allowUnknownIntegrations`` is still read, with a deprecation warning.

The engine sends a dynamic provider the whole stack config, keys still namespaced (pulumi
``pkg/resource/deploy/target.go`` ``GetPackageConfig``: "For dynamic providers, we always pass the
full configuration"), so :meth:`ProviderSettings.resolve` sees every key below.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from pulumi_ld_auditsubs.client import (
    DEFAULT_HOST,
    LaunchDarklyClient,
    check_retry_timeout,
    validate_host,
    validate_token,
)

TOKEN_KEY = "launchdarkly:accessToken"
HOST_KEY = "launchdarkly:apiHost"
TOKEN_ENV = "LAUNCHDARKLY_ACCESS_TOKEN"
HOST_ENV = "LAUNCHDARKLY_API_HOST"
ALLOW_UNKNOWN_KEY = "ld-auditsubs:allowUnknownIntegrations"
LEGACY_ALLOW_UNKNOWN_KEY = "launchdarkly:allowUnknownIntegrations"
RETRY_TIMEOUT_KEY = "ld-auditsubs:retryTimeoutSeconds"
READ_TIMEOUT_KEY = "ld-auditsubs:readTimeoutSeconds"
CREATE_RECOVERY_KEY = "ld-auditsubs:createRecoverySeconds"
STRICT_ACTIONS_KEY = "ld-auditsubs:strictActions"
"""true: Check fails every statement action outside LaunchDarkly's documented list (``policy``)."""
MOVE_FROM_HOST_KEY = "ld-auditsubs:moveFromApiHost"
"""The API host whose subscriptions this run may re-home to the current host (see the provider)."""

CONFIG_KEYS: tuple[str, ...] = (
    TOKEN_KEY,
    HOST_KEY,
    ALLOW_UNKNOWN_KEY,
    LEGACY_ALLOW_UNKNOWN_KEY,
    STRICT_ACTIONS_KEY,
    RETRY_TIMEOUT_KEY,
    READ_TIMEOUT_KEY,
    CREATE_RECOVERY_KEY,
    MOVE_FROM_HOST_KEY,
)
"""Every stack config key the provider reads."""

DEFAULT_READ_TIMEOUT_SECONDS = 30.0
DEFAULT_CREATE_RECOVERY_SECONDS = 30.0
"""How long a create whose answer was lost keeps looking for what it made (see ``recovery``)."""


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the setting, never a secret value."""


@dataclass(frozen=True)
class ProviderSettings:
    """What ``configure()`` resolved: where to send requests, with which token, and how patiently."""

    host: str
    token: str | None
    token_source: str = TOKEN_KEY
    """Where the token came from (``launchdarkly:accessToken`` or ``LAUNCHDARKLY_ACCESS_TOKEN``)."""
    host_source: str = "the default"
    allow_unknown_integrations: bool = False
    strict_actions: bool = False
    """Unknown statement actions fail Check (by default only near misses of known ones do)."""
    retry_timeout_seconds: float | None = None
    """The client's retry time budget; None leaves the client's default (or its env override)."""
    read_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS
    create_recovery_seconds: float = DEFAULT_CREATE_RECOVERY_SECONDS
    move_from_host: str | None = None
    """A host named by ``ld-auditsubs:moveFromApiHost``: subscriptions recorded there may be re-homed."""
    warnings: tuple[str, ...] = ()
    """Deprecations to tell the user about once."""

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return (
            f"ProviderSettings(host={self.host!r}, token={'<set>' if self.token else None}, "
            f"token_source={self.token_source!r}, "
            f"allow_unknown_integrations={self.allow_unknown_integrations})"
        )

    def __getstate__(self) -> dict[str, object]:  # the cached client stays out of pickles and copies
        return {name: value for name, value in self.__dict__.items() if name != "_client"}

    def client(self) -> LaunchDarklyClient:
        """The client for these settings (the provider and the lookups get theirs here).

        Built once per settings and then shared by every call and thread: a client holds no
        per-request state, and building one re-validates the host and token (0.4 ms a call).
        """
        built: LaunchDarklyClient | None = self.__dict__.get("_client")
        if built is None:
            built = LaunchDarklyClient(
                self.host,
                self.token,
                token_source=self.token_source,
                timeout=(10.0, self.read_timeout_seconds),
                retry_timeout_seconds=self.retry_timeout_seconds,
            )
            object.__setattr__(self, "_client", built)  # frozen: a cache, not a field (not compared)
        return built

    @classmethod
    def resolve(
        cls, config: Mapping[str, str | None], environ: Mapping[str, str] | None = None
    ) -> ProviderSettings:
        """Stack config first, then the environment, then LaunchDarkly's commercial host.

        Raises :class:`SettingsError` naming the setting for a malformed token, host or number.
        """
        environ = os.environ if environ is None else environ
        token, token_source = _first(config.get(TOKEN_KEY), TOKEN_KEY, environ.get(TOKEN_ENV), TOKEN_ENV)
        host, host_source = _first(config.get(HOST_KEY), HOST_KEY, environ.get(HOST_ENV), HOST_ENV)
        try:
            if token is not None:
                token = validate_token(token, token_source)
            resolved_host = validate_host(
                host if host is not None else DEFAULT_HOST, describe_source(host_source)
            )
            raw_move = config.get(MOVE_FROM_HOST_KEY)
            move_from = (
                validate_host(raw_move, f"stack config `{MOVE_FROM_HOST_KEY}`")
                if raw_move is not None and raw_move.strip()
                else None
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        warnings: list[str] = []
        allow_raw = config.get(ALLOW_UNKNOWN_KEY)
        allow_key = ALLOW_UNKNOWN_KEY
        if allow_raw is None and config.get(LEGACY_ALLOW_UNKNOWN_KEY) is not None:
            allow_raw, allow_key = config.get(LEGACY_ALLOW_UNKNOWN_KEY), LEGACY_ALLOW_UNKNOWN_KEY
            warnings.append(
                f"stack config `{LEGACY_ALLOW_UNKNOWN_KEY}` is deprecated and will stop working in the "
                f"next major version: the bridged LaunchDarkly provider rejects unknown keys in its "
                f"namespace. Run `pulumi config rm {LEGACY_ALLOW_UNKNOWN_KEY}` and "
                f"`pulumi config set {ALLOW_UNKNOWN_KEY} {(allow_raw or '').strip().lower() or 'true'}`"
            )
        return cls(
            host=resolved_host,
            token=token,
            token_source=token_source if token is not None else TOKEN_KEY,
            host_source=host_source if host is not None else "the default",
            allow_unknown_integrations=_boolean(allow_raw, allow_key),
            strict_actions=_boolean(config.get(STRICT_ACTIONS_KEY), STRICT_ACTIONS_KEY),
            retry_timeout_seconds=_retry_timeout(config.get(RETRY_TIMEOUT_KEY)),
            read_timeout_seconds=_seconds(config.get(READ_TIMEOUT_KEY), READ_TIMEOUT_KEY, 600.0)
            or DEFAULT_READ_TIMEOUT_SECONDS,
            create_recovery_seconds=_seconds(config.get(CREATE_RECOVERY_KEY), CREATE_RECOVERY_KEY, 3600.0)
            or DEFAULT_CREATE_RECOVERY_SECONDS,
            move_from_host=move_from,
            warnings=tuple(warnings),
        )


def describe_source(source: str) -> str:
    """Where a setting's value came from, in words: ``the stack config`` or ``the environment variable X``."""
    if source.isupper():
        return f"the environment variable {source}"
    return "the stack config" if ":" in source else source


def _first(
    configured: str | None, config_key: str, from_env: str | None, env_name: str
) -> tuple[str | None, str]:
    """The stack config value if it is set and not blank, else the environment's; with its source."""
    if configured is not None and configured.strip():
        return configured, config_key
    if from_env is not None and from_env.strip():
        return from_env, env_name
    return None, config_key


def _boolean(raw: str | None, key: str) -> bool:
    if raw is None or not raw.strip():
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise SettingsError(f"stack config `{key}` must be true or false, got {raw.strip()[:40]!r}")
    return value == "true"


def _retry_timeout(raw: str | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        return check_retry_timeout(raw.strip(), f"stack config `{RETRY_TIMEOUT_KEY}`")
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _seconds(raw: str | None, key: str, maximum: float) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= maximum:
        raise SettingsError(
            f"stack config `{key}` must be a number of seconds between 0 and {maximum:g}, "
            f"got {raw.strip()[:40]!r}"
        )
    return seconds

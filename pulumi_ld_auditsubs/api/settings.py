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

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util import parse_url

from pulumi_ld_auditsubs.api._net import is_loopback_host
from pulumi_ld_auditsubs.errors import SettingsError

DEFAULT_HOST = "https://app.launchdarkly.com"
DEFAULT_SOURCE = "the default"
"""``ProviderSettings.host_source`` when no setting named the host."""
FEDERAL_HOST = "https://app.launchdarkly.us"
EU_HOST = "https://app.eu.launchdarkly.com"
_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]")

TOKEN_KEY = "launchdarkly:accessToken"
HOST_KEY = "launchdarkly:apiHost"
TOKEN_ENV = "LAUNCHDARKLY_ACCESS_TOKEN"
HOST_ENV = "LAUNCHDARKLY_API_HOST"
ALLOW_UNKNOWN_KEY = "ld-auditsubs:allowUnknownIntegrations"
LEGACY_ALLOW_UNKNOWN_KEY = "launchdarkly:allowUnknownIntegrations"
RETRY_TIMEOUT_KEY = "ld-auditsubs:retryTimeoutSeconds"
READ_TIMEOUT_KEY = "ld-auditsubs:readTimeoutSeconds"
CREATE_RECOVERY_KEY = "ld-auditsubs:createRecoverySeconds"
MAX_RESPONSE_KEY = "ld-auditsubs:maxResponseMiB"
"""The largest answer (decoded bytes, in MiB) the client reads before it gives up on the request."""
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
    MAX_RESPONSE_KEY,
    MOVE_FROM_HOST_KEY,
)
"""Every stack config key the provider reads."""

SETTINGS_PREFIX = "ld-auditsubs:"


@dataclass(frozen=True)
class SettingNames:
    """How the user of one host names each setting, so every message names a key they can set.

    Settings are resolved under their canonical names (the dynamic provider's stack config keys,
    above). The dynamic provider's user sets exactly those; the native plugin's default provider
    reads ``ld-auditsubs:accessToken`` and ``ld-auditsubs:apiHost``; an explicit provider resource
    takes every setting as an input of its own, without a namespace.
    """

    token: str = TOKEN_KEY
    host: str = HOST_KEY
    prefix: str = SETTINGS_PREFIX
    provider_resource: str | None = None
    """The explicit provider resource whose inputs these are (None: the stack config)."""

    def of(self, key: str) -> str:
        """What this host's user calls the setting whose canonical key is ``key``."""
        if key == TOKEN_KEY:
            return self.token
        if key == HOST_KEY:
            return self.host
        return self.prefix + key.split(":", 1)[-1]

    def where(self, key: str) -> str:
        """``stack config `K``` or ``input `K` of provider P``: where a value of ``key`` was read."""
        if self.provider_resource is None:
            return f"stack config `{self.of(key)}`"
        return f"input `{self.of(key)}` of provider {self.provider_resource}"

    def how_to_set(self, key: str, value: str) -> str:
        """The step that sets ``key`` to ``value`` for this host."""
        if self.provider_resource is None:
            return f"`pulumi config set {self.of(key)} {value}`"
        return f"set `{self.of(key)}: {value}` on provider {self.provider_resource}"


DYNAMIC_NAMES = SettingNames()
"""The dynamic provider: ``launchdarkly:accessToken`` / ``launchdarkly:apiHost`` and ``ld-auditsubs:*``."""
PLUGIN_DEFAULT_NAMES = SettingNames(token="ld-auditsubs:accessToken", host="ld-auditsubs:apiHost")
"""The native plugin's default provider: everything in the ``ld-auditsubs:`` namespace."""


def explicit_provider_names(provider: str) -> SettingNames:
    """An explicit ``pulumi:providers:ld-auditsubs`` resource: its own inputs, unprefixed."""
    return SettingNames(token="accessToken", host="apiHost", prefix="", provider_resource=provider)


RETRY_TIMEOUT_ENV = "LD_AUDITSUBS_RETRY_TIMEOUT_SECONDS"
"""The retry budget for programs that have no stack config (export, lookups); the stack setting wins."""

MAX_RESPONSE_ENV = "LD_AUDITSUBS_MAX_RESPONSE_MIB"
"""The answer-size cap for programs that have no stack config (export, health); the stack setting wins."""

DEFAULT_RETRY_TIMEOUT_SECONDS = 300.0
"""How long one logical request may keep retrying (429 waits included) before its error is raised."""
CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_READ_TIMEOUT_SECONDS = 30.0
DEFAULT_CREATE_RECOVERY_SECONDS = 30.0
"""How long a create whose answer was lost keeps looking for what it made (see ``recovery``)."""
DEFAULT_MAX_RESPONSE_MIB = 32.0
"""Far above any real answer (a subscription is a few KiB, a list of hundreds a few MiB), far below
what hurts a CI runner: a proxy or captive portal answering with gigabytes fails at once."""
MAX_MAX_RESPONSE_MIB = 4096.0


@dataclass(frozen=True)
class ProviderSettings:
    """What ``configure()`` resolved: where to send requests, with which token, and how patiently."""

    host: str
    token: str | None
    token_source: str = TOKEN_KEY
    """Where the token came from (``launchdarkly:accessToken`` or ``LAUNCHDARKLY_ACCESS_TOKEN``)."""
    host_source: str = DEFAULT_SOURCE
    """``launchdarkly:apiHost``, ``LAUNCHDARKLY_API_HOST``, ``--api-host`` or ``the default``
    (:data:`DEFAULT_SOURCE`); the client names it in its hints (:func:`describe_host_source`)."""
    allow_unknown_integrations: bool = False
    strict_actions: bool = False
    """Unknown statement actions fail Check (by default only near misses of known ones do)."""
    retry_timeout_seconds: float = DEFAULT_RETRY_TIMEOUT_SECONDS
    """How long one request may keep retrying: stack config, then ``LD_AUDITSUBS_RETRY_TIMEOUT_SECONDS``."""
    read_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS
    create_recovery_seconds: float = DEFAULT_CREATE_RECOVERY_SECONDS
    max_response_mib: float = DEFAULT_MAX_RESPONSE_MIB
    """The answer-size cap: stack config, then ``LD_AUDITSUBS_MAX_RESPONSE_MIB``."""
    move_from_host: str | None = None
    """A host named by ``ld-auditsubs:moveFromApiHost``: subscriptions recorded there may be re-homed."""
    warnings: tuple[str, ...] = ()
    """Deprecations to tell the user about once."""
    names: SettingNames = DYNAMIC_NAMES
    """How the user of this host names the settings (every message uses these names)."""

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return (
            f"ProviderSettings(host={self.host!r}, token={'<set>' if self.token else None}, "
            f"token_source={self.token_source!r}, "
            f"allow_unknown_integrations={self.allow_unknown_integrations})"
        )

    @classmethod
    def resolve(
        cls,
        config: Mapping[str, str | None],
        environ: Mapping[str, str] | None = None,
        *,
        api_host_flag: str | None = None,
        names: SettingNames = DYNAMIC_NAMES,
    ) -> ProviderSettings:
        """Stack config first, then the environment, then LaunchDarkly's commercial host.

        ``api_host_flag`` (a command's ``--api-host``) wins over both. Raises :class:`SettingsError`
        naming the setting and where its value came from for a malformed token, host or number.
        ``config`` is keyed by the canonical names; ``names`` says how this host's user names them.
        """
        environ = os.environ if environ is None else environ
        warnings = list(misspelled_settings(config, names))
        token, token_source = _first(config.get(TOKEN_KEY), names.token, environ.get(TOKEN_ENV), TOKEN_ENV)
        host, host_source = _first(config.get(HOST_KEY), names.host, environ.get(HOST_ENV), HOST_ENV)
        if api_host_flag is not None and api_host_flag.strip():
            host, host_source = api_host_flag, "--api-host"
        if token is not None:
            token = validate_token(token, token_source)
        resolved_host = validate_host(
            host if host is not None else DEFAULT_HOST, describe_source(host_source), key=names.host
        )
        raw_move = config.get(MOVE_FROM_HOST_KEY)
        move_from = (
            validate_host(raw_move, names.where(MOVE_FROM_HOST_KEY), key=names.host)
            if raw_move is not None and raw_move.strip()
            else None
        )
        retry_timeout = _seconds(config.get(RETRY_TIMEOUT_KEY), names.where(RETRY_TIMEOUT_KEY), 86400.0)
        if retry_timeout is None:
            retry_timeout = _seconds(environ.get(RETRY_TIMEOUT_ENV), RETRY_TIMEOUT_ENV, 86400.0)
        max_response = _seconds(
            config.get(MAX_RESPONSE_KEY), names.where(MAX_RESPONSE_KEY), MAX_MAX_RESPONSE_MIB, unit="MiB"
        )
        if max_response is None:
            max_response = _seconds(
                environ.get(MAX_RESPONSE_ENV), MAX_RESPONSE_ENV, MAX_MAX_RESPONSE_MIB, unit="MiB"
            )
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
            token_source=token_source if token is not None else names.token,
            host_source=host_source if host is not None else DEFAULT_SOURCE,
            allow_unknown_integrations=_boolean(allow_raw, names.where(allow_key)),
            strict_actions=_boolean(config.get(STRICT_ACTIONS_KEY), names.where(STRICT_ACTIONS_KEY)),
            retry_timeout_seconds=retry_timeout or DEFAULT_RETRY_TIMEOUT_SECONDS,
            read_timeout_seconds=_seconds(config.get(READ_TIMEOUT_KEY), names.where(READ_TIMEOUT_KEY), 600.0)
            or DEFAULT_READ_TIMEOUT_SECONDS,
            create_recovery_seconds=_seconds(
                config.get(CREATE_RECOVERY_KEY), names.where(CREATE_RECOVERY_KEY), 3600.0
            )
            or DEFAULT_CREATE_RECOVERY_SECONDS,
            max_response_mib=max_response or DEFAULT_MAX_RESPONSE_MIB,
            move_from_host=move_from,
            warnings=tuple(warnings),
            names=names,
        )


OWN_KEYS = frozenset(key for key in CONFIG_KEYS if key.startswith(SETTINGS_PREFIX))
"""The ``ld-auditsubs:`` settings (the native plugin's ``accessToken``/``apiHost`` come on top)."""
PLUGIN_ONLY_KEYS = {TOKEN_KEY: "ld-auditsubs:accessToken", HOST_KEY: "ld-auditsubs:apiHost"}
"""The native plugin's default provider reads these; the dynamic provider reads the ``launchdarkly:`` ones."""
BRIDGED_KEYS = frozenset(
    {
        # lbrlabs/pulumi-launchdarkly
        "accessToken",
        "apiHost",
        "oauthToken",
        "httpTimeout",
        # primait/pulumi-launchdarkly (from its schema)
        "access_token",
        "api_host",
        "oauth_token",
        "http_timeout",
        "maxConcurrency",
        "archiveFlagsOnDestroy",
    }
)
"""Keys the bridged LaunchDarkly providers read in ``launchdarkly:``; a program may use both."""
_BRIDGED_SYNONYMS = {
    "access_token": TOKEN_KEY,
    "oauthToken": TOKEN_KEY,
    "oauth_token": TOKEN_KEY,
    "api_host": HOST_KEY,
}


def misspelled_settings(config: Mapping[str, object], names: SettingNames = DYNAMIC_NAMES) -> list[str]:
    """Refuse a misspelled setting (SettingsError); return warnings for keys meant for another provider.

    A misspelled host would otherwise be ignored and every request sent to the default host, so a
    fresh stack would create its subscriptions on the wrong LaunchDarkly instance. ``config`` is
    keyed by canonical names (namespaced); other namespaces are other providers' and pass.
    """
    refused: list[str] = []
    warnings: list[str] = []
    plugin_keys = set(PLUGIN_ONLY_KEYS.values()) if names is DYNAMIC_NAMES else set()
    for key in sorted(config):
        namespace, _, bare = key.partition(":")
        if key in OWN_KEYS or key in plugin_keys or key in (TOKEN_KEY, HOST_KEY, LEGACY_ALLOW_UNKNOWN_KEY):
            continue
        if namespace + ":" == SETTINGS_PREFIX:
            known = sorted({names.of(k) for k in OWN_KEYS | {TOKEN_KEY, HOST_KEY}} | plugin_keys)
            by_name = {k.rpartition(":")[2].lower(): k for k in known}
            closest = difflib.get_close_matches(bare.lower(), list(by_name), n=1, cutoff=0.6)
            hint = f"did you mean `{by_name[closest[0]]}`? " if closest else ""
            refused.append(
                f"{names.where(key)} is not a setting of pulumi-ld-auditsubs; {hint}"
                f"the settings are {', '.join(known)}"
            )
        elif namespace == "launchdarkly" and bare not in BRIDGED_KEYS:
            meant = _near_miss(bare)
            if meant is not None:
                refused.append(
                    f"stack config `{key}` is not read by any LaunchDarkly provider (it would be ignored); "
                    f"did you mean `{meant}`?"
                )
    for key, plugin_key in PLUGIN_ONLY_KEYS.items():
        if names is DYNAMIC_NAMES and _is_set(config.get(plugin_key)) and not _is_set(config.get(key)):
            refused.append(
                f"stack config `{plugin_key}` is read by the native plugin's resources only; this program's "
                f"AuditLogSubscription (the dynamic provider) reads `{key}`: set it too, to the same value"
            )
    for bare, ours in _BRIDGED_SYNONYMS.items():
        if (
            names is DYNAMIC_NAMES
            and _is_set(config.get(f"launchdarkly:{bare}"))
            and not _is_set(config.get(ours))
        ):
            warnings.append(
                f"stack config `launchdarkly:{bare}` is a bridged LaunchDarkly provider's key; "
                f"pulumi-ld-auditsubs does not read it: it reads `{ours}` (then "
                f"{TOKEN_ENV if ours == TOKEN_KEY else HOST_ENV})"
            )
    if refused:
        raise SettingsError("; ".join(refused))
    return warnings


def _is_set(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _near_miss(bare: str) -> str | None:
    """``accessToken`` or ``apiHost`` when ``bare`` differs from it only in case or by a typo or two."""
    for key in (TOKEN_KEY, HOST_KEY):
        wanted = key.partition(":")[2]
        if (
            bare.lower() == wanted.lower()
            or difflib.SequenceMatcher(None, bare.lower(), wanted.lower()).ratio() >= 0.8
        ):
            return key
    return None


def describe_source(source: str) -> str:
    """Where a setting's value came from, in words: ``the stack config``, ``the environment variable X``
    or ``input `K` of provider P`` (an explicit provider's input)."""
    if source.isupper():
        return f"the environment variable {source}"
    if ":" in source:
        return "the stack config"
    return f"the provider input `{source}`" if source.isalpha() else source


def describe_host_source(source: str) -> str:
    """Where the host came from, as the client's hints name it next to the host.

    ``from --api-host``, ``from the environment variable LAUNCHDARKLY_API_HOST``, ``from the stack
    config launchdarkly:apiHost`` or ``the default host``: whichever :meth:`ProviderSettings.resolve`
    really used, so a message never sends the user to a setting they did not set.
    """
    if source == DEFAULT_SOURCE:
        return "the default host"
    if source.startswith("--"):
        return f"from {source}"
    if source.isupper():
        return f"from the environment variable {source}"
    if ":" in source:
        return f"from the stack config {source}"
    return f"from the provider input `{source}`" if source.isalpha() else f"from {source}"


def _first(
    configured: str | None, config_key: str, from_env: str | None, env_name: str
) -> tuple[str | None, str]:
    """The stack config value if it is set and not blank, else the environment's; with its source."""
    if configured is not None and configured.strip():
        return configured, config_key
    if from_env is not None and from_env.strip():
        return from_env, env_name
    return None, config_key


def _boolean(raw: str | None, where: str) -> bool:
    if raw is None or not raw.strip():
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise SettingsError(f"{where} must be true or false, got {raw.strip()[:40]!r}")
    return value == "true"


def _seconds(raw: str | None, source: str, maximum: float, *, unit: str = "seconds") -> float | None:
    """A number (of ``unit``) in (0, maximum], None when unset or blank; SettingsError names ``source``."""
    if raw is None or not raw.strip():
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= maximum:
        raise SettingsError(
            f"{source} must be a number of {unit} between 0 and {maximum:g}, got {raw.strip()[:40]!r}"
        )
    return seconds


def validate_token(token: str, source: str) -> str:
    """Return ``token`` without surrounding whitespace, or raise SettingsError naming ``source``.

    Refuses an empty token and one with control characters, inner whitespace or non-ASCII
    characters: HTTP header rules would reject or mangle it, and a pasted token carrying a newline
    is a header-injection risk. The message names where the token came from, never its value.
    """
    stripped = token.strip()
    if not stripped:
        raise SettingsError(f"the LaunchDarkly access token from {source} is empty")
    if not stripped.isascii():
        raise SettingsError(
            f"the LaunchDarkly access token from {source} contains non-ASCII characters; "
            "copy it again from LaunchDarkly's Authorization page"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in stripped):
        raise SettingsError(
            f"the LaunchDarkly access token from {source} contains whitespace or control characters; "
            "copy it again from LaunchDarkly's Authorization page"
        )
    return stripped


def validate_host(host: str, origin: str | None = None, *, key: str = HOST_KEY) -> str:
    """Return ``host`` without a trailing slash, or raise SettingsError saying what is allowed.

    The check follows how requests/urllib3 will parse the URL and where they will connect: no
    userinfo (``user@``), no backslash, whitespace, control or non-ASCII characters (parsers
    disagree on those), a numeric port in 1..65535, no query or fragment, and urllib3's parse must
    agree with the standard library's on scheme, host and port. The host may carry a path prefix
    (a proxy); plain ``http://`` is allowed only for loopback addresses, so a token is never sent in
    clear text over a network. The API's own path (``/api/v2``) is refused: requests add it, and a
    host that carries it answers every request with an unexplained 404. ``origin`` says where the
    value came from (``LAUNCHDARKLY_API_HOST``, say) and is named in every message; ``key`` is what
    the user calls the host setting (see :class:`SettingNames`).
    """
    candidate = host.strip()
    if origin is None or origin == key:
        setting = key
    else:  # a command's flag names itself; a config key or variable says where the value came from
        setting = origin if origin.startswith("--") else f"{key} (from {origin})"
    shape = f"an absolute https URL such as {DEFAULT_HOST}"
    if not candidate:
        raise SettingsError(f"{setting} is empty; it must be {shape}")
    if not candidate.isascii() or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        raise SettingsError(
            f"{setting} must be {shape} without whitespace, control or non-ASCII characters "
            f"(write an internationalised name in its xn-- form), got {candidate!r}"
        )
    if "\\" in candidate:
        raise SettingsError(f"{setting} must not contain a backslash, got {candidate!r}")
    try:
        parts = urlsplit(candidate)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        raise SettingsError(f"{setting} must be {shape}, got {candidate!r}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{setting} must be {shape}, got {candidate!r}")
    if "@" in parts.netloc:
        raise SettingsError(f"{setting} must not contain a user name or password (user@), got {candidate!r}")
    if parts.query or parts.fragment or "?" in candidate or "#" in candidate:
        raise SettingsError(f"{setting} must not have a query or fragment, got {candidate!r}")
    after_host = parts.netloc.rpartition("]")[2] if parts.netloc.startswith("[") else parts.netloc
    raw_port = after_host.partition(":")[2] if ":" in after_host else None
    if raw_port is not None and not (raw_port.isdigit() and 1 <= int(raw_port) <= 65535):
        raise SettingsError(f"{setting} has an invalid port (allowed: 1 to 65535), got {candidate!r}")
    port = int(raw_port) if raw_port is not None else None
    hostname = parts.hostname
    if not hostname:
        raise SettingsError(f"{setting} must name a host, got {candidate!r}")
    if not _HOST_NAME.fullmatch(parts.netloc.rpartition("]")[0] + "]" if "[" in parts.netloc else hostname):
        raise SettingsError(
            f"{setting} must name its host with letters, digits, '.', '-' and '_' "
            f"(or an [IPv6] literal), without percent-encoding, got {candidate!r}"
        )
    try:
        parsed = parse_url(candidate + "/api/v2/integrations")
    except ValueError:
        raise SettingsError(f"{setting} is not a URL the HTTP library accepts, got {candidate!r}") from None
    if (parsed.scheme, (parsed.host or "").strip("[]").lower(), parsed.port, parsed.auth) != (
        parts.scheme,
        hostname,
        port,
        None,
    ):
        raise SettingsError(f"{setting} is ambiguous (parsers disagree on its host), got {candidate!r}")
    if parts.scheme == "http" and not is_loopback_host(hostname):
        raise SettingsError(
            f"{setting} {candidate!r} uses plain http; only https is allowed, "
            "except for loopback addresses (127.0.0.1, ::1, localhost) used by the emulator"
        )
    if re.search(r"/api/v2(/|$)", parts.path):
        raise SettingsError(
            f"{setting} must be the host only, without the API path /api/v2 (it is added to every "
            f"request), got {candidate!r}: give {parts.scheme}://{parts.netloc}"
            f"{parts.path[: parts.path.find('/api/v2')]}"
        )
    return candidate.rstrip("/")

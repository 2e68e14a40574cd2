"""Property values at the plugin's edge: plain values for the operations, secrets kept on the way out.

The engine sends a provider that accepts secrets its secret inputs as secrets, and then does *not*
copy secretness from inputs to outputs (``pkg/resource/deploy/step.go`` only does that for providers
that do not accept secrets; see ``provider_plugin.go``'s ``acceptSecrets``), so the plugin marks
secrets itself: every path that came in secret, every secret config field, and what the operation
says is secret (the whole ``config`` output).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from pulumi.output import Unknown
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc

Path = tuple[str, ...]


def unknown() -> Unknown:
    """A value Pulumi does not know yet, as the operations expect it."""
    return Unknown()  # type: ignore[no-untyped-call]


def to_plain(value: PropertyValue) -> Any:
    """A Python value: dicts, lists, str, float, bool, None; an unknown is ``pulumi.output.Unknown``."""
    inner = value.value
    if isinstance(inner, Computed):
        return unknown()
    if isinstance(inner, Mapping):
        return {k: to_plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [to_plain(v) for v in inner]
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: to_plain(v) for k, v in values.items()}


def secret_paths(values: Mapping[str, PropertyValue], prefix: Path = ()) -> set[Path]:
    """The paths (``("config", "apiKey")``) whose value came in as a secret."""
    found: set[Path] = set()
    for key, value in values.items():
        path = (*prefix, key)
        if value.is_secret:
            found.add(path)
        if isinstance(value.value, Mapping):
            found |= secret_paths(value.value, path)
    return found


def from_plain(value: Any, secrets: Set[Path] = frozenset(), path: Path = ()) -> PropertyValue:
    """A property value, secret where ``path`` is one of ``secrets`` (nothing inside a secret is marked)."""
    if path and path in secrets:
        return from_plain(value, frozenset(), path).with_secret(True)
    if isinstance(value, Unknown):
        # The SDK cannot marshal its own Computed (3.272): send the wire's unknown sentinel instead.
        converted = PropertyValue(rpc.UNKNOWN)
    elif isinstance(value, Mapping):
        converted = PropertyValue({str(k): from_plain(v, secrets, (*path, str(k))) for k, v in value.items()})
    elif isinstance(value, (list, tuple)):
        converted = PropertyValue([from_plain(v, secrets, (*path, str(i))) for i, v in enumerate(value)])
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        converted = PropertyValue(value)
    elif isinstance(value, (int, float)):
        converted = PropertyValue(float(value))
    else:
        converted = PropertyValue(str(value))
    return converted


def marked(values: Mapping[str, Any], secrets: Iterable[Path]) -> dict[str, PropertyValue]:
    """``values`` as a property map with ``secrets`` marked secret."""
    wanted = set(secrets)
    return {k: from_plain(v, wanted, (k,)) for k, v in values.items()}


def as_setting(value: Any) -> str | None:
    """A provider config value as the settings read it: text (``true``, ``30``), None when unset."""
    if value is None or isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

"""Property values at the plugin's edge: protobuf structs in, plain values for the operations, secrets kept.

The engine sends a provider that accepts secrets its secret inputs as secrets, and then does *not*
copy secretness from inputs to outputs (``pkg/resource/deploy/step.go`` only does that for providers
that do not accept secrets; see ``provider_plugin.go``'s ``acceptSecrets``), so the plugin marks
secrets itself: every path that came in secret, every secret config field, and what the operation
says is secret (the whole ``config`` output).

Values are converted straight from and to ``google.protobuf.Struct``, in the wire's own encoding (a
secret is ``{SIG: SECRET_SIG, "value": v}``, an unknown the string ``UNKNOWN``; ``sdk/go/common/
resource/plugin/rpc.go``). The SDK's ``PropertyValue`` (``pulumi.provider.experimental``) builds
an immutable, validated object per value in pure Python: measured, it took about half of the
plugin's CPU per create, which capped how many operations two cores could keep in flight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

Path = tuple[str, ...]
SIG_KEY: str = rpc._special_sig_key
SECRET_SIG: str = rpc._special_secret_sig
UNKNOWN: str = rpc.UNKNOWN


def unknown() -> Unknown:
    """A value Pulumi does not know yet, as the operations expect it."""
    return Unknown()  # type: ignore[no-untyped-call]


def decode(struct: struct_pb2.Struct) -> tuple[dict[str, Any], set[Path]]:
    """Plain values (unknowns as ``pulumi.output.Unknown``) and the paths that came in secret."""
    secrets: set[Path] = set()
    values = {key: _plain(value, (key,), secrets) for key, value in struct.items()}
    return values, secrets


def _plain(value: Any, path: Path, secrets: set[Path]) -> Any:
    if isinstance(value, struct_pb2.Struct):
        if SIG_KEY in value and value[SIG_KEY] == SECRET_SIG:
            secrets.add(path)
            return _plain(value["value"], path, secrets) if "value" in value else None
        return {key: _plain(item, (*path, key), secrets) for key, item in value.items()}
    if isinstance(value, struct_pb2.ListValue):
        return [_plain(item, (*path, str(i)), secrets) for i, item in enumerate(value)]
    if value == UNKNOWN:
        return unknown()
    return value


def encode(values: Mapping[str, Any], secrets: Iterable[Path] = ()) -> struct_pb2.Struct:
    """A struct of ``values`` with ``secrets`` wrapped as secrets (nothing inside a secret again)."""
    wanted = frozenset(secrets)
    struct = struct_pb2.Struct()
    struct.update({key: _wire(value, (key,), wanted) for key, value in values.items()})
    return struct


def _wire(value: Any, path: Path, secrets: Set[Path]) -> Any:
    if path in secrets:
        return {SIG_KEY: SECRET_SIG, "value": _wire(value, path, frozenset())}
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {str(k): _wire(v, (*path, str(k)), secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v, (*path, str(i)), secrets) for i, v in enumerate(value)]
    return value


def as_setting(value: Any) -> str | None:
    """A provider config value as the settings read it: text (``true``, ``30``), None when unset."""
    if value is None or isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

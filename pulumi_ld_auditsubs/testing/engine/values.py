"""Property values as the engine holds them: JSON-like data with secrets wrapped and unknowns marked.

A *value* is ``None``, a bool, a number, a string, a list or a dict. Two markers ride inside:

* a secret is ``pulumi.runtime.rpc.wrap_rpc_secret(v)``, the dict the SDK uses on the wire;
* an unknown (preview only) is the string ``pulumi.runtime.rpc.UNKNOWN``.

This module converts between those values and protobuf structs, strips or applies secretness the way
the Pulumi engine does (``annotateSecrets``), and computes the property diffs, ``ignore_changes`` and
``replace_on_changes`` paths the step logic needs. It imports the SDK's ``rpc`` module for the marker
constants and struct decoding only; nothing here talks to a process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_ld_auditsubs.testing.engine.errors import EngineError

UNKNOWN: str = rpc.UNKNOWN
PROVIDER_KEY = "__provider"

PathElement = str | int
Path = tuple[PathElement, ...]
WILDCARD = "*"


class _Missing:
    """Marks a property that is absent (distinct from a ``None`` value)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def is_secret(value: Any) -> bool:
    """True if ``value`` is a wrapped secret."""
    return bool(rpc.is_rpc_secret(value))


def wrap_secret(value: Any) -> dict[str, Any]:
    """Wrap ``value`` as a secret (idempotent)."""
    wrapped: dict[str, Any] = rpc.wrap_rpc_secret(value)
    return wrapped


def unwrap_secret(value: Any) -> Any:
    """The value inside a secret wrapper, or ``value`` itself."""
    return rpc.unwrap_rpc_secret(value)


def reveal(value: Any) -> Any:
    """A deep copy of ``value`` with every secret wrapper removed (what a provider is sent)."""
    if is_secret(value):
        return reveal(unwrap_secret(value))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def contains_secrets(value: Any) -> bool:
    """True if ``value`` is or contains a secret."""
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    """True if ``value`` is or contains an unknown."""
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def annotate_secrets(outs: Mapping[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """Mark output values secret where the input at the same key path contained a secret.

    Mirrors the engine's ``annotateSecrets``: objects present on both sides are walked key by key;
    anything else (scalars, lists) becomes wholly secret when its input contained a secret.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if is_secret(out_value):
            continue
        plain_in = unwrap_secret(in_value)
        if isinstance(out_value, dict) and isinstance(plain_in, dict):
            annotated = annotate_secrets(out_value, plain_in)
            result[key] = wrap_secret(annotated) if is_secret(in_value) else annotated
        elif contains_secrets(in_value):
            result[key] = wrap_secret(out_value)
    return result


def mark_secret_keys(outs: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Wrap the top-level ``keys`` of ``outs`` as secrets (``additional_secret_outputs``)."""
    result = dict(outs)
    for key in keys:
        if key in result and not is_secret(result[key]):
            result[key] = wrap_secret(result[key])
    return result


def from_sdk(value: Any) -> Any:
    """Normalize a value decoded by the SDK: ``Unknown`` objects become ``UNKNOWN``, tuples lists."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {str(k): from_sdk(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_sdk(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise EngineError(
        f"property values of type {type(value).__name__} (assets, archives, resource references) "
        "are not supported by the local engine"
    )


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Decode a protobuf struct, keeping unknowns and secret wrappers where they are.

    The SDK's ``deserialize_properties`` pushes a nested secret up to the enclosing object or list
    (``{"apiKey": secret, "hostURL": ...}`` becomes one secret ``config``); the Pulumi engine keeps
    it in place (``plugin.UnmarshalProperties``), which is what lets ``--diff`` show ``hostURL``.
    """
    decoded = _decode(struct)
    if not isinstance(decoded, dict):
        raise EngineError(f"expected an object of properties, got {type(decoded).__name__}")
    result: dict[str, Any] = from_sdk(decoded)
    return result


def _decode(value: Any) -> Any:
    if isinstance(value, struct_pb2.Struct):
        if rpc._special_sig_key in value:
            if value[rpc._special_sig_key] == rpc._special_secret_sig:
                return wrap_secret(_decode(value["value"]))
            return rpc.deserialize_property(value, keep_unknowns=True)  # assets, references: as the SDK
        decoded = {key: _decode(item) for key, item in value.items()}
        return {key: item for key, item in decoded.items() if item is not None}  # None is absent, as the SDK
    if isinstance(value, struct_pb2.ListValue):
        return [_decode(item) for item in value]
    return value


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Encode properties (markers included, as the SDK would) into a protobuf struct."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


# --- paths ---------------------------------------------------------------------------------------

_PATH_TOKEN = re.compile(
    r"""\s*(?:
        (?P<name>[^.\[\]"]+)
      | \[\s*(?P<index>\d+|\*)\s*\]
      | \[\s*"(?P<quoted>(?:[^"\\]|\\.)*)"\s*\]
    )""",
    re.VERBOSE,
)


def parse_path(text: str) -> Path:
    """Parse a Pulumi property path such as ``config.apiKey``, ``tags[0]`` or ``a["b.c"]``."""
    elements: list[PathElement] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if elements and text[pos] == ".":
            pos += 1
        match = _PATH_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise EngineError(f"invalid property path {text!r}")
        if match.group("name") is not None:
            elements.append(match.group("name").strip())
        elif match.group("index") is not None:
            index = match.group("index")
            elements.append(WILDCARD if index == WILDCARD else int(index))
        else:
            elements.append(re.sub(r"\\(.)", r"\1", match.group("quoted")))
        pos = match.end()
    if not elements:
        raise EngineError("empty property path")
    return tuple(elements)


def format_path(path: Path) -> str:
    """Render a path in Pulumi's syntax."""
    out = ""
    for element in path:
        if isinstance(element, int):
            out += f"[{element}]"
        elif re.fullmatch(r"[A-Za-z_$][\w$-]*|\*", element):
            out += f".{element}" if out else element
        else:
            out += '["' + element.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return out


def paths_overlap(a: Path, b: Path) -> bool:
    """True if one path is a prefix of the other (``*`` matches any element)."""
    return all(WILDCARD in (x, y) or x == y for x, y in zip(a, b, strict=False))


def apply_ignore_changes(
    news: Mapping[str, Any], olds: Mapping[str, Any], paths: Iterable[str]
) -> dict[str, Any]:
    """Put the old input values back at each ignored path (an absent old value removes the new one)."""
    result: Any = dict(news)
    for text in paths:
        result = _restore(result, dict(olds), parse_path(text))
    out: dict[str, Any] = result
    return out


def _restore(new: Any, old: Any, path: Sequence[PathElement]) -> Any:
    if not path:
        return old
    secret = is_secret(new)
    new_plain, old_plain = unwrap_secret(new), unwrap_secret(old)
    head, rest = path[0], path[1:]
    if isinstance(new_plain, dict) or (new_plain is MISSING and isinstance(old_plain, dict)):
        container: dict[str, Any] = dict(new_plain) if isinstance(new_plain, dict) else {}
        olds = old_plain if isinstance(old_plain, dict) else {}
        keys = set(container) | set(olds) if head == WILDCARD else {str(head)}
        for key in sorted(keys):
            value = _restore(container.get(key, MISSING), olds.get(key, MISSING), rest)
            if value is MISSING:
                container.pop(key, None)
            else:
                container[key] = value
        restored: Any = container
    elif isinstance(new_plain, list) and (isinstance(head, int) or head == WILDCARD):
        items = list(new_plain)
        olds_list = old_plain if isinstance(old_plain, list) else []
        indices = range(len(items)) if head == WILDCARD else [head]
        for index in indices:
            if isinstance(index, int) and index < len(items):
                old_item = olds_list[index] if index < len(olds_list) else MISSING
                value = _restore(items[index], old_item, rest)
                items[index] = None if value is MISSING else value
        restored = items
    else:
        return new
    return wrap_secret(restored) if secret else restored


# --- diffs ---------------------------------------------------------------------------------------


@dataclass
class KeyDiff:
    """Top-level property keys that were added, deleted or updated (for ``[diff: ...]``)."""

    adds: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.adds or self.deletes or self.updates)

    @property
    def keys(self) -> list[str]:
        """All changed keys, sorted."""
        return sorted([*self.adds, *self.deletes, *self.updates])

    def render(self) -> str:
        """Pulumi's ``+added-deleted~updated`` summary, e.g. ``~config,on``."""
        parts = []
        for symbol, keys in (("+", self.adds), ("-", self.deletes), ("~", self.updates)):
            if keys:
                parts.append(symbol + ",".join(sorted(keys)))
        return "".join(parts)


def key_diff(olds: Mapping[str, Any], news: Mapping[str, Any], ignore: Iterable[str] = ()) -> KeyDiff:
    """Which top-level keys differ between two property maps (secrets compared by value)."""
    skip = set(ignore)
    diff = KeyDiff()
    for key in sorted(set(olds) | set(news)):
        if key in skip:
            continue
        if key not in olds:
            diff.adds.append(key)
        elif key not in news:
            diff.deletes.append(key)
        elif reveal(olds[key]) != reveal(news[key]):
            diff.updates.append(key)
    return diff


def changed_paths(olds: Any, news: Any, prefix: Path = ()) -> list[Path]:
    """Leaf-level paths whose values differ (the engine's detailed diff of inputs)."""
    old_plain, new_plain = unwrap_secret(olds), unwrap_secret(news)
    if isinstance(old_plain, dict) and isinstance(new_plain, dict):
        paths: list[Path] = []
        for key in sorted(set(old_plain) | set(new_plain)):
            paths.extend(
                changed_paths(old_plain.get(key, MISSING), new_plain.get(key, MISSING), (*prefix, key))
            )
        return paths
    if isinstance(old_plain, list) and isinstance(new_plain, list):
        paths = []
        for index in range(max(len(old_plain), len(new_plain))):
            old_item = old_plain[index] if index < len(old_plain) else MISSING
            new_item = new_plain[index] if index < len(new_plain) else MISSING
            paths.extend(changed_paths(old_item, new_item, (*prefix, index)))
        return paths
    if old_plain is MISSING and new_plain is MISSING:
        return []
    if old_plain is MISSING or new_plain is MISSING or reveal(old_plain) != reveal(new_plain):
        return [prefix]
    return []

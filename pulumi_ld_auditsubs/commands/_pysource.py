"""Python source for generated programs, laid out the way ``ruff format`` (and Black) would lay it out.

A value is written on one line when that line fits; otherwise it is exploded one item per line with
a trailing comma. The trailing comma is "magic" to ruff and Black: an exploded collection stays
exploded whatever the configured line length, and a flat one that fits at 88 columns fits at any
longer length too, so ``ruff format --check`` passes on the output under any project settings.
Strings use double quotes unless single quotes need fewer escapes, as ruff prefers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LINE_LENGTH = 88
"""ruff's and Black's default; the generated code has no formatter settings of its own."""
INDENT = "    "


@dataclass(frozen=True)
class Code:
    """A piece of source written verbatim (``config.require_secret("x")``)."""

    text: str


@dataclass(frozen=True)
class Call:
    """A call with keyword arguments (and optional positional ones), e.g. ``Statement(effect="allow")``."""

    function: str
    args: Sequence[Any] = ()
    kwargs: Sequence[tuple[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Exploded:
    """A call or collection always written one item per line (config dicts, statement lists)."""

    value: Call | Mapping[str, Any] | Sequence[Any]


def py_str(value: str) -> str:
    """A string literal: double quotes unless the value holds more double than single quotes."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    out = [quote]
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == quote:
            out.append("\\" + quote)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable():
            code = ord(char)
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
        else:
            out.append(char)
    out.append(quote)
    return "".join(out)


def flat(value: Any) -> str:
    """The one-line source of ``value``."""
    if isinstance(value, Code):
        return value.text
    if isinstance(value, Exploded):
        return flat(value.value)
    if isinstance(value, Call):
        parts = [flat(a) for a in value.args] + [f"{k}={flat(v)}" for k, v in value.kwargs]
        return f"{value.function}({', '.join(parts)})"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{flat(str(k))}: {flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flat(v) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} as Python source")


def layout(value: Any, *, depth: int, column: int, suffix: str = "") -> str:
    """The source of ``value`` starting at ``column`` on a line indented ``depth`` levels.

    ``suffix`` is what follows the value on its last line (``,``); the result does not include it.
    """
    if isinstance(value, Exploded):
        return exploded(value.value, depth=depth)
    one_line = flat(value)
    if column + len(one_line) + len(suffix) <= LINE_LENGTH or not _explodable(value):
        return one_line
    return exploded(value, depth=depth)


def exploded(value: Call | Mapping[str, Any] | Sequence[Any], *, depth: int = 0) -> str:
    """``value`` one item per line with a trailing comma, however short it is (empty stays flat)."""
    if not _explodable(value):
        return flat(value)
    items: list[str]
    if isinstance(value, Call):
        opening, closing = f"{value.function}(", ")"
        items = [_item("", a, depth + 1) for a in value.args]
        items += [_item(f"{k}=", v, depth + 1) for k, v in value.kwargs]
    elif isinstance(value, Mapping):
        opening, closing = "{", "}"
        items = [_item(f"{py_str(str(k))}: ", v, depth + 1) for k, v in value.items()]
    else:
        opening, closing = "[", "]"
        items = [_item("", v, depth + 1) for v in value]
    inner = INDENT * (depth + 1)
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{opening}\n{body}{INDENT * depth}{closing}"


def _item(prefix: str, value: Any, depth: int) -> str:
    column = len(INDENT) * depth + len(prefix)
    return prefix + layout(value, depth=depth, column=column, suffix=",")


def _explodable(value: Any) -> bool:
    if isinstance(value, Call):
        return bool(value.args or value.kwargs)
    return isinstance(value, (Mapping, list, tuple)) and bool(value)

"""Property-level changes for ``--diff``: what ``pulumi preview --diff`` shows under each resource.

Follows ``pkg/backend/display/object_diff.go`` of pulumi/pulumi (``printObjectDiff``,
``printPropertyValueDiff``, ``printPrimitivePropertyValue``) and ``getResourcePropertiesDetails``:
a create lists the new inputs, a delete the old ones, an update or replace the differences between
the old inputs (state) and the new checked inputs, arrays compared index by index. ``+`` is an
added value, ``-`` a removed one, ``~ old => new`` a changed scalar; a value whose type changed is
shown removed then added, as the CLI does.

Two deliberate differences: every line names one leaf by its full path (``config.hostURL``,
``statements[0].resources[1]``) instead of nested blocks, so each line stands alone in a review or a
grep; and unchanged properties are not listed. Secrets: the engine has no ``--show-secrets``, so a
value that is a secret in the old *or* the new inputs is ``[secret]`` on both sides and never
looked into (only the fact that it changed is shown), as the CLI prints secrets without that flag.
Paths that force the replacement (the provider's ``replaces`` and ``replace_on_changes``) end in
``[forces replacement]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_ld_auditsubs.testing.engine.errors import EngineError
from pulumi_ld_auditsubs.testing.engine.values import (
    MISSING,
    PROVIDER_KEY,
    UNKNOWN,
    Path,
    format_path,
    is_secret,
    parse_path,
    paths_overlap,
    reveal,
)

SECRET = "[secret]"
INDENT = "      "
"""Detail lines sit under the resource line, their symbol two columns left of the property, as in
``getIndentationString`` (indent 2, the last two columns replaced by the prefix)."""
NO_INPUT_CHANGE = "(no input changed: the provider reports a difference from the last known state)"


@dataclass(frozen=True)
class Change:
    """One changed leaf: ``symbol`` is ``+``, ``-`` or ``~``; ``old``/``new`` are already rendered."""

    symbol: str
    path: str
    old: str | None = None
    new: str | None = None
    forces_replacement: bool = False

    def render(self) -> str:
        """``~ path: old => new``, ``+ path: new`` or ``- path: old``."""
        if self.symbol == "~":
            text = f"~ {self.path}: {self.old} => {self.new}"
        elif self.symbol == "+":
            text = f"+ {self.path}: {self.new}"
        else:
            text = f"- {self.path}: {self.old}"
        return text + (" [forces replacement]" if self.forces_replacement else "")


def render_scalar(value: Any) -> str:
    """A scalar as JSON (one line: newlines escaped), unknowns as ``[unknown]``; never a secret."""
    if is_secret(value):
        return SECRET
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    return json.dumps(value, ensure_ascii=False)


def property_changes(
    olds: Mapping[str, Any] | None,
    news: Mapping[str, Any] | None,
    replaces: Iterable[str] = (),
) -> list[Change]:
    """The changed leaves between two input maps (``None`` for a create's olds or a delete's news).

    ``__provider`` (the pickled dynamic provider) is internal and skipped, as the CLI skips internal
    keys. ``replaces`` are property paths whose changes force a replacement.
    """
    old_map = {k: v for k, v in (olds or {}).items() if k != PROVIDER_KEY}
    new_map = {k: v for k, v in (news or {}).items() if k != PROVIDER_KEY}
    changes: list[Change] = []
    if olds is None:
        _leaves("+", new_map, (), changes)
    elif news is None:
        _leaves("-", old_map, (), changes)
    else:
        _walk(old_map, new_map, (), changes)
    triggers = [_parse(p) for p in replaces]
    if not triggers:
        return changes
    return [
        Change(c.symbol, c.path, c.old, c.new, forces_replacement=True)
        if any(paths_overlap(_parse(c.path), t) for t in triggers)
        else c
        for c in changes
    ]


def diff_lines(
    olds: Mapping[str, Any] | None,
    news: Mapping[str, Any] | None,
    replaces: Iterable[str] = (),
    indent: str = INDENT,
) -> list[str]:
    """The detail lines printed under one resource; an update with no input change says so."""
    changes = property_changes(olds, news, replaces)
    if not changes and olds is not None and news is not None:
        return [f"{indent}  {NO_INPUT_CHANGE}"]
    return [indent + change.render() for change in changes]


def _parse(text: str) -> Path:
    try:
        return parse_path(text)
    except EngineError:
        return (text,)


def _walk(old: Any, new: Any, path: Path, out: list[Change]) -> None:
    if old is MISSING and new is MISSING:
        return
    if is_secret(old) or is_secret(new):
        # Never look inside, never print either side: a value secret on one side is secret on both.
        if old is not MISSING and new is not MISSING and reveal(old) == reveal(new):
            return
        symbol = "+" if old is MISSING else "-" if new is MISSING else "~"
        out.append(Change(symbol, format_path(path), SECRET, SECRET))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _walk(old.get(key, MISSING), new.get(key, MISSING), (*path, key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            old_item = old[index] if index < len(old) else MISSING
            new_item = new[index] if index < len(new) else MISSING
            _walk(old_item, new_item, (*path, index), out)
        return
    if old is MISSING:
        _leaves("+", new, path, out)
    elif new is MISSING:
        _leaves("-", old, path, out)
    elif _is_scalar(old) and _is_scalar(new):
        if old != new or isinstance(old, bool) != isinstance(new, bool):
            out.append(Change("~", format_path(path), render_scalar(old), render_scalar(new)))
    else:  # the type changed (or one side is an empty container): removed, then added
        _leaves("-", old, path, out)
        _leaves("+", new, path, out)


def _leaves(symbol: str, value: Any, path: Path, out: list[Change]) -> None:
    """Every leaf of an added or removed value; a secret is one leaf, whatever it holds."""
    if is_secret(value):
        out.append(Change(symbol, format_path(path), SECRET, SECRET))
    elif isinstance(value, dict) and value:
        for key in sorted(value):
            _leaves(symbol, value[key], (*path, key), out)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _leaves(symbol, item, (*path, index), out)
    elif path:
        rendered = render_scalar(value)
        out.append(Change(symbol, format_path(path), rendered, rendered))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))

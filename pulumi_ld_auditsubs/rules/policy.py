"""LaunchDarkly's policy language: resource specifiers and action names, parsed and checked.

A statement's ``resources`` name LaunchDarkly resources in its *resource specifier* syntax
(``proj/*:env/production:flag/*;beta``): levels joined by ``:``, each ``type/name`` with optional
``;tag1,tag2``, ``*`` globs in names, and the top-level ``acct`` with no name. LaunchDarkly accepts any
string there and any action name, so a typo silently makes a subscription carry nothing; this module
catches those at preview. The facts (resource types, which type is scoped under which, the action
names) come from LaunchDarkly's public documentation and ship as ``data/policy.json``.

Everything is pure and cached: :func:`parse_specifier`, :func:`resource_problem` and
:func:`action_problem` each do their work once per distinct string, because ``check_inputs`` runs on
every preview and :mod:`pulumi_ld_auditsubs.rules.coverage` on every event the emulator simulates.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "Level",
    "PolicyFacts",
    "SpecifierError",
    "action_problem",
    "glob_matcher",
    "load_policy",
    "parse_specifier",
    "resource_problem",
]

_CACHE_SIZE = 4096
"""Distinct strings remembered per cache: far above any stack, small enough to never matter."""

_TYPE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_NAME_PATTERN = re.compile(r"[^\s:;,/{}]+")
"""Keys are letters, digits, ``.``, ``_``, ``-`` (plus ``*`` globs); member ids and emails add a few
more, so only what the grammar uses as separators (and whitespace) is refused."""
_TAG_PATTERN = re.compile(r"[A-Za-z0-9._*-]{1,64}")
_ACTION_PATTERN = re.compile(r"[A-Za-z0-9*]+")
"""Action names are camelCase (``updateSamlX509Certificate``); ``*`` globs."""
_SELECTOR_PATTERN = re.compile(r"\{[^\s{}:;,]+:[^\s{}:;,]+\}")
"""A property-based selector such as ``{critical:true}`` (LaunchDarkly: "Property-based selectors")."""


class SpecifierError(ValueError):
    """A resource specifier that is not LaunchDarkly's syntax; the message says what is wrong."""


@dataclass(frozen=True)
class Level:
    """One level of a resource specifier (``flag/checkout;beta``): type, name and tags."""

    type: str
    name: str | None
    """None only for a type written without a name (``acct``)."""
    tags: tuple[str, ...] = ()
    """Tags and property selectors (``{critical:true}``); all must be on a resource for a match."""

    def __str__(self) -> str:
        text = self.type if self.name is None else f"{self.type}/{self.name}"
        return f"{text};{','.join(self.tags)}" if self.tags else text


# -- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyFacts:
    """``data/policy.json``, indexed for the checks."""

    parents: Mapping[str, tuple[str | None, ...]]
    """The types each resource type is scoped under (``flag`` -> ``env``); None: top level."""
    naming: Mapping[str, bool | None]
    """True: the type needs a name (``proj/*``); False: it takes none (``acct``); None: either."""
    actions_by_type: Mapping[str, tuple[str, ...]]
    actions: frozenset[str]
    """Every action name of every type."""
    sources: tuple[str, ...]
    retrieved: str

    def path(self, type_: str) -> tuple[str, ...]:
        """The types a specifier for ``type_`` names, outermost first, through each type's first
        parent (``flag`` -> proj, env, flag)."""
        chain = [type_]
        parent = self.parents.get(type_, (None,))[0]
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.parents.get(parent, (None,))[0]
        return tuple(reversed(chain))

    def example(self, type_: str) -> str:
        """A specifier for every ``type_`` resource: ``proj/*:env/*:flag/*``."""
        return ":".join(t if self.naming.get(t) is False else f"{t}/*" for t in self.path(type_))


@cache
def load_policy() -> PolicyFacts:
    """The bundled facts, read once per process (never from outside the package)."""
    raw: dict[str, Any] = json.loads(
        resources.files("pulumi_ld_auditsubs").joinpath("data/policy.json").read_text(encoding="utf-8")
    )
    types: dict[str, Any] = raw["resourceTypes"]
    actions_by_type = {name: tuple(spec.get("actions", ())) for name, spec in types.items()}
    naming = {name: spec.get("named", True) for name, spec in types.items()}
    return PolicyFacts(
        parents={name: tuple(spec["parents"]) for name, spec in types.items()},
        naming={name: value if isinstance(value, bool) else None for name, value in naming.items()},
        actions_by_type=actions_by_type,
        actions=frozenset(action for names in actions_by_type.values() for action in names),
        sources=tuple(raw["source"]),
        retrieved=raw["retrieved"],
    )


# -- syntax ---------------------------------------------------------------------------------------


def parse_specifier(text: str) -> tuple[Level, ...]:
    """The levels of a resource specifier, outermost first; syntax only (any type name passes).

    Raises :class:`SpecifierError` for text that is not the grammar. Types are checked by
    :func:`resource_problem`; :mod:`coverage` matches without that check, as LaunchDarkly adds types.
    """
    parsed = _parse(text)
    if isinstance(parsed, str):
        raise SpecifierError(parsed)
    return parsed


@lru_cache(maxsize=_CACHE_SIZE)
def _parse(text: str) -> tuple[Level, ...] | str:
    """Levels, or the reason the text is malformed (cached either way; exceptions are not)."""
    if not text:
        return "is empty; a resource specifier looks like proj/*:env/production:flag/*"
    if "${" in text:
        return (
            "uses a role attribute (${roleAttribute/...}); those are filled in for the members a role "
            "is assigned to, and a subscription has none, so name the resources explicitly"
        )
    if any(char.isspace() for char in text):
        return "contains whitespace; levels are joined by ':' with no spaces (proj/*:env/production)"
    parts = _split(text, ":")
    if isinstance(parts, str):
        return parts
    levels: list[Level] = []
    for position, part in enumerate(parts, start=1):
        level = _level(part)
        if isinstance(level, str):
            where = f"level {position} ({part!r})" if len(parts) > 1 else repr(part)
            return f"{where} {level}"
        levels.append(level)
    return tuple(levels)


def _split(text: str, separator: str) -> list[str] | str:
    """``text`` split at ``separator`` outside ``{...}`` selectors; a reason when braces do not pair."""
    parts: list[str] = []
    depth = start = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "has a '}' without its '{'"
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth:
        return "has a '{' without its '}'"
    parts.append(text[start:])
    if "" in parts:
        noun, shape = (
            ("level", "levels look like type/name") if separator == ":" else ("tag", "tags look like a,b")
        )
        return f"has an empty {noun} (two '{separator}' in a row, or one at an end); {shape}"
    return parts


def _level(part: str) -> Level | str:
    head, semicolon, tag_text = part.partition(";")
    type_, slash, name = head.partition("/")
    if not type_:
        return "has no resource type before '/'; levels look like flag/* or env/production"
    if "*" in type_:
        return (
            f"has a glob in resource type {type_!r}; name the type (proj, env, flag ...), globs go in names"
        )
    if not _TYPE_PATTERN.fullmatch(type_):
        return f"has resource type {type_!r}; types are lowercase words joined by '-' (proj, env, flag)"
    if slash and not name:
        return f"has nothing after '{type_}/'; give a name or * for all"
    if "/" in name:
        return f"has more than one '/'; a level is type/name ({type_}/*), levels are joined by ':'"
    if slash and not _NAME_PATTERN.fullmatch(name):
        return f"has name {name!r} with characters the syntax reserves (: ; , / braces or spaces)"
    tags: tuple[str, ...] = ()
    if semicolon:
        split = _split(tag_text, ",") if tag_text else "has ';' with no tags after it; write ;tag1,tag2"
        if isinstance(split, str):
            return split
        for tag in split:
            if not (_TAG_PATTERN.fullmatch(tag) or _SELECTOR_PATTERN.fullmatch(tag)):
                return (
                    f"has tag {tag!r}; tags are letters, digits, '.', '_', '-' (and * globs), "
                    "property selectors look like {critical:true}"
                )
        tags = tuple(split)
    return Level(type_, name if slash else None, tags)


@lru_cache(maxsize=_CACHE_SIZE)
def glob_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate for names, tags and actions that ``pattern`` names: ``*`` matches any run of
    characters (including none); everything else matches itself, case-sensitively."""
    if pattern == "*":
        return _any
    if "*" not in pattern:
        return pattern.__eq__  # str == str is always a bool
    regex = re.compile(".*".join(re.escape(piece) for piece in pattern.split("*")), re.DOTALL)
    return lambda value: regex.fullmatch(value) is not None


def _any(_value: str) -> bool:
    return True


# -- checks against the facts ---------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def resource_problem(text: str) -> str | None:
    """Why ``text`` is not a resource specifier LaunchDarkly knows, or None when it is.

    Malformed text, an unknown resource type (with the closest known one), a type outside its
    parent, or a name missing where one is needed.
    """
    if text == "*":
        return (
            "is not a resource specifier: every level names a resource type, so '*' alone matches "
            "nothing; write proj/*:env/*:flag/* for every flag, proj/* for projects, acct for the account"
        )
    parsed = _parse(text)
    if isinstance(parsed, str):
        return parsed
    facts = load_policy()
    outer: str | None = None
    for level in parsed:
        if level.type not in facts.parents:
            close = _closest_type(level.type, facts)
            hint = f"; did you mean {close}?" if close else "."
            here = sorted(name for name, parents in facts.parents.items() if outer in parents)
            where = "at the top level" if outer is None else f"under {outer}"
            listing = f"Types {where}: {', '.join(here)}" if here else f"No type is scoped under {outer}"
            return f"has unknown resource type {level.type!r}{hint} {listing}"
        outer = level.type
    for level in parsed:
        named = facts.naming[level.type]
        if named is False and level.name is not None:
            return f"names {level}, but {level.type} takes no name: write {level.type}"
        if named is True and level.name is None:
            return f"has {level.type} without a name: write {level.type}/* for all, or {level.type}/<key>"
    outer = None
    for level in parsed:
        allowed = facts.parents[level.type]
        if outer not in allowed:
            example = facts.example(level.type)
            return (
                f"{_scope_reason(facts, level.type, outer)}; write {example} (keys in place of * narrow it)"
            )
        outer = level.type
    return None


def _closest_type(type_: str, facts: PolicyFacts) -> str | None:
    """The known type ``type_`` most likely means: a close spelling (``flags``), else the longest
    known type it starts with or that starts with it (``environment`` -> ``env``)."""
    close = difflib.get_close_matches(type_, list(facts.parents), n=1, cutoff=0.6)
    if close:
        return close[0]
    prefixes = [known for known in facts.parents if type_.startswith(known) or known.startswith(type_)]
    return max(prefixes, key=len) if prefixes else None


def _scope_reason(facts: PolicyFacts, type_: str, outer: str | None) -> str:
    """Why ``type_`` cannot come right after ``outer`` (None: at the start)."""
    scopes = [p for p in facts.parents[type_] if p is not None]
    under = " or ".join(facts.example(p) for p in scopes)
    if outer is None:
        return f"{type_} is scoped under {under}, so the specifier starts there"
    if not scopes:
        return f"{type_} is a top-level resource and cannot be scoped under {outer}"
    return f"{type_} is scoped under {under}, not directly under {outer}"


@lru_cache(maxsize=_CACHE_SIZE)
def action_problem(action: str, strict: bool = False) -> str | None:
    """Why ``action`` is not an action LaunchDarkly knows, or None when it passes.

    Known names and globs (``*``, ``update*``) pass. An unknown name that is a near miss of a known
    one (a typo, a case slip, a plural) fails with the suggestion; any other unknown name passes,
    because LaunchDarkly adds actions every few months, unless ``strict``.
    """
    facts = load_policy()
    if action in facts.actions:
        return None
    if not _ACTION_PATTERN.fullmatch(action):
        close = _near_miss(re.sub(r"[^A-Za-z0-9]", "", action), facts.actions)
        hint = f"; did you mean {close}?" if close else "; actions are camelCase words such as updateOn"
        return f"action {action!r} has characters no action name has{hint}"
    if "*" in action:
        if not strict or any(glob_matcher(action)(known) for known in facts.actions):
            return None
        return (
            f"action glob {action!r} matches none of LaunchDarkly's documented actions "
            f"(retrieved {facts.retrieved}); ld-auditsubs:strictActions is on"
        )
    close = _near_miss(action, facts.actions)
    if close is not None:
        case = " (action names are case-sensitive)" if close.lower() == action.lower() else ""
        return f"unknown action {action!r}; did you mean {close}?{case}"
    if strict:
        return (
            f"unknown action {action!r}: not among LaunchDarkly's documented actions "
            f"(retrieved {facts.retrieved}) and ld-auditsubs:strictActions is on; use a documented "
            "action, a glob such as update*, or turn strictActions off"
        )
    return None


def _near_miss(action: str, known: frozenset[str]) -> str | None:
    """The known action ``action`` is a slip of: same letters in another case, an ``s`` added or
    dropped, or one typo (a letter added, dropped, changed or swapped with its neighbour)."""
    folded = action.lower()
    by_fold = _actions_by_fold(known)
    for candidate in (folded, folded.removesuffix("s"), folded + "s"):
        if candidate in by_fold:
            return by_fold[candidate]
    for candidate, name in by_fold.items():
        if _one_typo(folded, candidate):
            return name
    return None


@cache
def _actions_by_fold(known: frozenset[str]) -> dict[str, str]:
    return {name.lower(): name for name in sorted(known)}


def _one_typo(left: str, right: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns ``left`` into ``right``."""
    if abs(len(left) - len(right)) > 1 or left == right:
        return False
    if len(left) != len(right):
        longer, shorter = (left, right) if len(left) > len(right) else (right, left)
        index = next(
            (i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b), len(shorter)
        )
        return longer[index + 1 :] == shorter[index:]
    differ = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
    if len(differ) == 1:
        return True
    first, second = differ if len(differ) == 2 else (0, 0)
    return second == first + 1 and left[first] == right[second] and left[second] == right[first]

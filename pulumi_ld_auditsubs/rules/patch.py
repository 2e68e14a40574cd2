"""The minimal RFC 6902 JSON Patch between two subscription documents.

A document is the API-shaped view of a subscription: ``{"name", "config", "on", "tags",
"statements"}``. LaunchDarkly applies a PATCH atomically, so sending only what changed (one
operation per config key instead of the whole config) means an update never re-sends a secret the
user did not touch and never overwrites a field somebody else changed out of band.

This module is the one home of what counts as "the same", shared by :func:`subscription_patch` and
:func:`changed_fields` (so that a diff and the update it announces can never disagree), by
:func:`same_document` (is a listed subscription the one a create made?) and by the provider's
refresh and take-over (:func:`with_declared_secrets`):

* ``tags`` compare as a set (LaunchDarkly does not promise to keep their order): :func:`same_tags`;
* ``statements`` compare in order after normalization (:func:`.statement.normalize_statement`:
  camelCase keys, empty lists dropped);
* config keys compare one by one; a missing ``config`` is ``{}``;
* values compare as JSON, so ``True`` differs from ``1`` although Python says they are equal:
  :func:`json_equal`;
* a secret LaunchDarkly returned masked is the declared value when its visible characters are
  (:func:`.masking.same_secret`); a field is secret when the catalog says so, and outside the
  catalog whenever its value comes back masked: :func:`with_declared_secrets`.

Pure and deterministic: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_ld_auditsubs.rules.masking import same_secret
from pulumi_ld_auditsubs.rules.statement import STATEMENT_LIST_KEYS, normalize_statement

if TYPE_CHECKING:
    from pulumi_ld_auditsubs.rules.catalog import Integration

__all__ = [
    "STATEMENT_LIST_KEYS",
    "changed_fields",
    "escape_pointer_token",
    "json_equal",
    "normalize_statement",
    "same_document",
    "same_tags",
    "subscription_patch",
    "with_declared_secrets",
]


def escape_pointer_token(token: str) -> str:
    """Escape one JSON Pointer reference token (RFC 6901 section 3): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    # "~" first, or the "~" of a freshly written "~1" would be escaped again.
    return token.replace("~", "~0").replace("/", "~1")


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: unlike ``==``, a boolean never equals a number."""
    if left is right:
        return True
    if type(left) is str or type(right) is str:  # most values are text: no isinstance ladder
        return type(left) is type(right) and bool(left == right)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is not type(right):
        return False
    return bool(left == right)


def same_tags(left: Any, right: Any) -> bool:
    """Whether two tag lists hold the same tags, in any order (``None`` is no tags)."""
    return _same_tag_set(_list(left), _list(right))


def with_declared_secrets(
    live_config: Mapping[str, Any], declared_config: Mapping[str, Any], integration: Integration | None
) -> dict[str, Any]:
    """``live_config`` with each masked secret that is consistent with its declared value replaced by
    that value, so it compares equal; a secret rotated out of band stays masked and differs.

    Secret are the fields the catalog marks secret; outside the catalog (``integration`` None) which
    fields are secret cannot be known, and a value that comes back masked tells.
    """
    secrets = integration.secret_keys if integration is not None else None
    return {
        name: declared_config[name]
        if name in declared_config
        and (secrets is None or name in secrets)
        and same_secret(value, declared_config[name])
        else value
        for name, value in live_config.items()
    }


def same_document(
    live: Mapping[str, Any], wanted: Mapping[str, Any], integration: Integration | None
) -> bool:
    """Whether the subscription LaunchDarkly holds (``live``, secrets masked) is the ``wanted`` document.

    Both as :mod:`.models` builds them (``comparable_live_document``, ``desired_document``); every
    rule above applies, and a masked secret is judged by :func:`with_declared_secrets`.
    """
    live_config: Mapping[str, Any] = live.get("config") or {}
    wanted_config: Mapping[str, Any] = wanted.get("config") or {}
    credited = {**live, "config": with_declared_secrets(live_config, wanted_config, integration)}
    return not changed_fields(credited, wanted)


def subscription_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The smallest JSON Patch that turns document ``old`` into ``new``; ``[]`` when nothing changed.

    Operations come in a fixed order: name, on, tags, statements, then config keys sorted.
    """
    return [operation for _, operation in _differences(old, new)]


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The fields :func:`subscription_patch` would touch: ``name``, ``on``, ``tags``,
    ``statements`` and ``config.<key>``, in the same order."""
    return [field for field, _ in _differences(old, new)]


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Pairs of (field name, patch operation), in patch order."""
    for field in ("name", "on"):
        # A field absent from `new` is left alone: the document does not say what it should be.
        if field in new and (field not in old or not json_equal(old[field], new[field])):
            yield field, _set(old, field, new[field])

    old_tags = _list(old.get("tags"))
    new_tags = _list(new.get("tags"))
    if "tags" in new and not _same_tag_set(old_tags, new_tags):
        yield "tags", _set(old, "tags", new_tags)

    old_statements = [normalize_statement(s) for s in _list(old.get("statements"))]
    new_statements = [normalize_statement(s) for s in _list(new.get("statements"))]
    if "statements" in new and not json_equal(old_statements, new_statements):
        yield "statements", _set(old, "statements", new_statements)

    old_config: Mapping[str, Any] = old.get("config") or {}
    new_config: Mapping[str, Any] = new.get("config") or {}
    for key in sorted(old_config.keys() | new_config.keys()):
        path = "/config/" + escape_pointer_token(key)
        if key not in new_config:
            yield f"config.{key}", {"op": "remove", "path": path}
        elif key not in old_config:
            yield f"config.{key}", {"op": "add", "path": path, "value": copy.deepcopy(new_config[key])}
        elif not json_equal(old_config[key], new_config[key]):
            yield f"config.{key}", {"op": "replace", "path": path, "value": copy.deepcopy(new_config[key])}


def _set(old: Mapping[str, Any], field: str, value: Any) -> dict[str, Any]:
    # RFC 6902 `replace` requires the target to exist; `add` creates it.
    op = "replace" if field in old else "add"
    return {"op": op, "path": "/" + field, "value": copy.deepcopy(value)}


def _list(value: Any) -> list[Any]:
    return list(value) if value else []


def _same_tag_set(old: list[Any], new: list[Any]) -> bool:
    try:
        return set(old) == set(new)
    except TypeError:  # unhashable junk: fall back to an exact comparison
        return json_equal(old, new)

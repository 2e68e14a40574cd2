"""Properties of subscription_patch, checked against the reference RFC 6902 implementation."""

from __future__ import annotations

from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_ld_auditsubs.rules.patch import subscription_patch

SETTINGS = settings(max_examples=200, deadline=None)

TAG = st.text(alphabet="abAB09._-", min_size=1, max_size=6)
SPECIFIERS = st.lists(st.text(alphabet="ab*:/;", min_size=1, max_size=8), min_size=1, max_size=3)
CONFIG_KEY = st.text(alphabet="ab/~-_URL", max_size=6)  # includes "", "/", "~", "~1", "a/b" ...
JSON_SCALAR = (
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=5)
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(CONFIG_KEY, children, max_size=3),
    max_leaves=6,
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    """A normalized statement: effect, exactly one of each pair, wire key order."""
    statement: dict[str, Any] = {"effect": draw(st.sampled_from(["allow", "deny"]))}
    statement[draw(st.sampled_from(["resources", "notResources"]))] = draw(SPECIFIERS)
    statement[draw(st.sampled_from(["actions", "notActions"]))] = draw(SPECIFIERS)
    order = ["effect", "resources", "notResources", "actions", "notActions"]
    return {key: statement[key] for key in order if key in statement}


DOCUMENT = st.fixed_dictionaries(
    {
        "name": st.text(max_size=10),
        "config": st.dictionaries(CONFIG_KEY, JSON_VALUE, max_size=6),
        "on": st.booleans(),
        "tags": st.lists(TAG, max_size=5),
        "statements": st.lists(statements(), min_size=1, max_size=3),
    }
)


@st.composite
def document_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two documents that share part of their content, so that both equal and different fields occur."""
    old: dict[str, Any] = draw(DOCUMENT)
    fresh: dict[str, Any] = draw(DOCUMENT)
    new = {key: (fresh[key] if draw(st.booleans()) else old[key]) for key in old}
    config: dict[str, Any] = {}
    for key, value in old["config"].items():
        action = draw(st.sampled_from(["keep", "change", "drop"]))
        if action != "drop":
            config[key] = value if action == "keep" else draw(JSON_VALUE)
    config.update(draw(st.dictionaries(CONFIG_KEY, JSON_VALUE, max_size=3)))
    new["config"] = config
    if draw(st.booleans()):
        new["tags"] = list(reversed(old["tags"])) + old["tags"][:1]  # same set, other order, a duplicate
    return old, new


def _canonical(value: Any) -> Any:
    """JSON equality with Python's `True == 1` taken out: booleans and numbers never mix."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, list):
        return ("list", [_canonical(v) for v in value])
    if isinstance(value, dict):
        return ("object", {k: _canonical(v) for k, v in value.items()})
    return (type(value).__name__, value)


def _comparable(document: dict[str, Any]) -> Any:
    return _canonical({**document, "tags": sorted(set(document["tags"]))})


@SETTINGS
@given(document_pairs())
def test_applying_the_patch_turns_old_into_new(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    old, new = pair
    patched = jsonpatch.apply_patch(old, subscription_patch(old, new))
    assert _comparable(patched) == _comparable(new)


@SETTINGS
@given(DOCUMENT)
def test_no_change_is_an_empty_patch(document: dict[str, Any]) -> None:
    assert subscription_patch(document, document) == []


@SETTINGS
@given(document_pairs())
def test_the_patch_is_minimal(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    old, new = pair
    paths = [op["path"] for op in subscription_patch(old, new)]
    assert len(paths) == len(set(paths))
    assert ("/tags" in paths) == (set(old["tags"]) != set(new["tags"]))
    changed_keys = {
        k
        for k in old["config"].keys() | new["config"].keys()
        if k not in old["config"]
        or k not in new["config"]
        or _canonical(old["config"][k]) != _canonical(new["config"][k])
    }
    assert sum(p.startswith("/config/") for p in paths) == len(changed_keys)

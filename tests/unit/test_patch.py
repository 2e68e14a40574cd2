"""subscription_patch / changed_fields: the smallest JSON Patch, as tables."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pulumi_ld_auditsubs.rules.patch import (
    changed_fields,
    escape_pointer_token,
    json_equal,
    normalize_statement,
    subscription_patch,
)

ALLOW = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
DENY = {"effect": "deny", "notActions": ["deleteFlag"], "resources": ["proj/*"]}
OLD: dict[str, Any] = {
    "name": "audit",
    "config": {"apiKey": "secret-1", "hostURL": "https://api.datadoghq.com", "hideMemberDetails": False},
    "on": True,
    "tags": ["a", "b"],
    "statements": [ALLOW],
}


def _new(**changes: Any) -> dict[str, Any]:
    new = copy.deepcopy(OLD)
    new.update(changes)
    return new


def _config(**changes: Any) -> dict[str, Any]:
    config = {**OLD["config"], **changes}
    return _new(config={k: v for k, v in config.items() if v is not ...})


CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]]] = [
    ("no-change", OLD, copy.deepcopy(OLD), []),
    ("name", OLD, _new(name="renamed"), [{"op": "replace", "path": "/name", "value": "renamed"}]),
    ("on", OLD, _new(on=False), [{"op": "replace", "path": "/on", "value": False}]),
    ("tags", OLD, _new(tags=["c", "a"]), [{"op": "replace", "path": "/tags", "value": ["c", "a"]}]),
    ("tags-reordered", OLD, _new(tags=["b", "a"]), []),
    ("tags-duplicates", OLD, _new(tags=["a", "b", "a"]), []),
    ("tags-cleared", OLD, _new(tags=[]), [{"op": "replace", "path": "/tags", "value": []}]),
    (
        "statements",
        OLD,
        _new(statements=[ALLOW, DENY]),
        [{"op": "replace", "path": "/statements", "value": [ALLOW, DENY]}],
    ),
    (
        "statements-reordered",
        _new(statements=[ALLOW, DENY]),
        _new(statements=[DENY, ALLOW]),
        [{"op": "replace", "path": "/statements", "value": [DENY, ALLOW]}],
    ),
    (
        "statements-snake-case",
        _new(statements=[DENY]),
        _new(statements=[{"not_actions": ["deleteFlag"], "resources": ["proj/*"], "effect": "deny"}]),
        [],
    ),
    ("statements-empty-lists", OLD, _new(statements=[{**ALLOW, "notActions": [], "notResources": None}]), []),
    (
        "statements-normalized-value",
        OLD,
        _new(statements=[{"effect": "deny", "not_actions": ["a"], "actions": []}]),
        [{"op": "replace", "path": "/statements", "value": [{"effect": "deny", "notActions": ["a"]}]}],
    ),
    ("config-add", OLD, _config(extra="x"), [{"op": "add", "path": "/config/extra", "value": "x"}]),
    (
        "config-replace",
        OLD,
        _config(hostURL="https://api.datadoghq.eu"),
        [{"op": "replace", "path": "/config/hostURL", "value": "https://api.datadoghq.eu"}],
    ),
    (
        "config-remove",
        OLD,
        _config(hideMemberDetails=...),
        [{"op": "remove", "path": "/config/hideMemberDetails"}],
    ),
    (
        "config-secret-rotated",
        OLD,
        _config(apiKey="secret-2"),
        [{"op": "replace", "path": "/config/apiKey", "value": "secret-2"}],
    ),
    (
        "config-bool-vs-number",
        _new(config={"x": 1}),
        _new(config={"x": True}),
        [{"op": "replace", "path": "/config/x", "value": True}],
    ),
    ("config-int-vs-float", _new(config={"x": 1}), _new(config={"x": 1.0}), []),
    (
        "config-nested",
        _new(config={"x": {"a": [1, {"b": None}]}}),
        _new(config={"x": {"a": [1, {"b": False}]}}),
        [{"op": "replace", "path": "/config/x", "value": {"a": [1, {"b": False}]}}],
    ),
    (
        "config-absent-old",
        {k: v for k, v in OLD.items() if k != "config"},
        _new(config={"k": "v"}),
        [{"op": "add", "path": "/config/k", "value": "v"}],
    ),
    (
        "config-absent-new",
        _new(config={"k": "v"}),
        {k: v for k, v in OLD.items() if k != "config"},
        [{"op": "remove", "path": "/config/k"}],
    ),
    ("config-none", _new(config=None), _new(config={}), []),
    (
        "escape-kebab",
        _new(config={}),
        _new(config={"base-url": "https://s"}),
        [{"op": "add", "path": "/config/base-url", "value": "https://s"}],
    ),
    (
        "escape-slash",
        _new(config={"a/b": 1}),
        _new(config={"a/b": 2}),
        [{"op": "replace", "path": "/config/a~1b", "value": 2}],
    ),
    ("escape-tilde", _new(config={"c~d": 1}), _new(config={}), [{"op": "remove", "path": "/config/c~0d"}]),
    (
        "field-absent-in-old",
        {"name": "n"},
        {"name": "n", "on": False, "tags": ["t"], "statements": [ALLOW]},
        [
            {"op": "add", "path": "/on", "value": False},
            {"op": "add", "path": "/tags", "value": ["t"]},
            {"op": "add", "path": "/statements", "value": [ALLOW]},
        ],
    ),
    ("field-absent-in-new", OLD, {"config": OLD["config"]}, []),
    (
        "everything-in-order",
        OLD,
        {
            "config": {"zeta": 1, "apiKey": "secret-1", "alpha": 2},
            "statements": [DENY],
            "tags": ["x"],
            "on": False,
            "name": "n2",
        },
        [
            {"op": "replace", "path": "/name", "value": "n2"},
            {"op": "replace", "path": "/on", "value": False},
            {"op": "replace", "path": "/tags", "value": ["x"]},
            {"op": "replace", "path": "/statements", "value": [DENY]},
            {"op": "add", "path": "/config/alpha", "value": 2},
            {"op": "remove", "path": "/config/hideMemberDetails"},
            {"op": "remove", "path": "/config/hostURL"},
            {"op": "add", "path": "/config/zeta", "value": 1},
        ],
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_subscription_patch(old: dict[str, Any], new: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert subscription_patch(old, new) == expected


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_changed_fields_name_what_the_patch_touches(
    old: dict[str, Any], new: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    names = [op["path"].lstrip("/").split("/")[0] for op in expected]
    keys = [
        op["path"].split("/", 2)[2].replace("~1", "/").replace("~0", "~")
        for op in expected
        if "/config/" in op["path"]
    ]
    assert changed_fields(old, new) == [n for n in names if n != "config"] + [f"config.{k}" for k in keys]


def test_changed_fields_example() -> None:
    new = _new(name="x", tags=["b", "c"], config={**OLD["config"], "a/b": 1, "apiKey": "rotated"})
    assert changed_fields(OLD, new) == ["name", "tags", "config.a/b", "config.apiKey"]


def test_unchanged_secret_never_appears() -> None:
    new = _config(hostURL="https://api.datadoghq.eu")
    assert all("secret-1" not in repr(op) for op in subscription_patch(OLD, new))


def test_patch_values_are_copies() -> None:
    new = _new(tags=["x"], config={"nested": {"a": 1}})
    patch = subscription_patch(OLD, new)
    for op in patch:
        if isinstance(op.get("value"), (list, dict)):
            op["value"].clear()
    assert new["tags"] == ["x"]
    assert new["config"] == {"nested": {"a": 1}}


def test_patch_is_deterministic() -> None:
    new = _new(config={f"k{i}": i for i in range(20)}, tags=["z"])
    assert subscription_patch(OLD, new) == subscription_patch(copy.deepcopy(OLD), copy.deepcopy(new))


@pytest.mark.parametrize(
    ("token", "escaped"),
    [
        ("apiKey", "apiKey"),
        ("base-url", "base-url"),
        ("a/b", "a~1b"),
        ("c~d", "c~0d"),
        ("~1", "~01"),
        ("/~", "~1~0"),
        ("", ""),
    ],
)
def test_escape_pointer_token(token: str, escaped: str) -> None:
    assert escape_pointer_token(token) == escaped


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        (None, None, True),
        ("1", 1, False),
        ([1, True], [1, True], True),
        ([1], [True], False),
        ({"a": 1}, {"a": True}, False),
        ({"a": 1}, {"b": 1}, False),
        ([1, 2], [1], False),
        ((1, 2), [1, 2], True),
    ],
)
def test_json_equal(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal


def test_normalize_statement_order_and_omissions() -> None:
    raw = {"notActions": None, "not_resources": ["r"], "actions": [], "effect": "allow", "extra": 1}
    assert list(normalize_statement(raw).items()) == [("effect", "allow"), ("notResources", ["r"])]

"""coverage.matches: LaunchDarkly's policy semantics, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_ld_auditsubs import Statement
from pulumi_ld_auditsubs.rules.coverage import matches
from pulumi_ld_auditsubs.rules.models import Statement as ModelStatement

PROD_FLAGS = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
ALL_FLAGS = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]}
FLAG_IN_WEB = "proj/web:env/production:flag/checkout"


def allow(resources: list[str], actions: list[str] | None = None) -> dict[str, Any]:
    return {"effect": "allow", "resources": resources, "actions": actions or ["*"]}


def deny(resources: list[str], actions: list[str] | None = None) -> dict[str, Any]:
    return {"effect": "deny", "resources": resources, "actions": actions or ["*"]}


# (statements, resource, action, expected, why)
CASES: list[tuple[list[Any], str, str, bool, str]] = [
    # -- globs in names
    ([PROD_FLAGS], FLAG_IN_WEB, "updateOn", True, "every flag in production"),
    ([PROD_FLAGS], "proj/web:env/staging:flag/checkout", "updateOn", False, "another environment"),
    ([PROD_FLAGS], "proj/web:env/prod:flag/checkout", "updateOn", False, "env key prod is not production"),
    ([ALL_FLAGS], "proj/web:env/staging:flag/checkout", "updateOn", True, "every environment"),
    ([allow(["proj/web:env/*:flag/*"])], FLAG_IN_WEB, "updateOn", True, "one project by key"),
    ([allow(["proj/mobile:env/*:flag/*"])], FLAG_IN_WEB, "updateOn", False, "another project"),
    ([allow(["proj/*:env/prod*:flag/*"])], FLAG_IN_WEB, "updateOn", True, "prefix glob"),
    ([allow(["proj/*:env/*tion:flag/*"])], FLAG_IN_WEB, "updateOn", True, "suffix glob"),
    ([allow(["proj/*:env/*:flag/check*out"])], FLAG_IN_WEB, "updateOn", True, "inner glob"),
    ([allow(["proj/*:env/*:flag/check*x"])], FLAG_IN_WEB, "updateOn", False, "inner glob, no match"),
    ([allow(["proj/*:env/*:flag/Checkout"])], FLAG_IN_WEB, "updateOn", False, "keys are case-sensitive"),
    (
        [allow(["proj/*:env/*:flag/checkout.v2"])],
        "proj/p:env/e:flag/checkoutXv2",
        "updateOn",
        False,
        "dot is literal",
    ),
    # -- parent vs child: a specifier names one level
    ([allow(["proj/*"])], FLAG_IN_WEB, "updateOn", False, "proj/* covers projects, not their flags"),
    ([allow(["proj/*"])], "proj/web", "updateProjectName", True, "a project itself"),
    ([allow(["proj/*:env/*"])], FLAG_IN_WEB, "updateOn", False, "env covers environments, not flags"),
    ([allow(["proj/*:env/*"])], "proj/web:env/production", "updateApiKey", True, "an environment"),
    ([ALL_FLAGS], "proj/web:env/production", "updateApiKey", False, "flags do not cover their environment"),
    ([ALL_FLAGS], "proj/web:env/production:segment/beta-users", "updateRules", False, "a segment is no flag"),
    ([allow(["proj/*:metric/*"])], "proj/web:metric/signups", "updateName", True, "metric under project"),
    (
        [allow(["proj/*:metric/*"])],
        "proj/web:env/production:metric/signups",
        "updateName",
        False,
        "levels differ",
    ),
    ([allow(["acct"])], "acct", "updateRequireMfa", True, "the account"),
    ([allow(["acct"])], "proj/web", "createProject", False, "the account is not its projects"),
    ([allow(["member/*"])], "member/5f0c0ffee", "createMember", True, "members"),
    ([allow(["member/*"])], "member/5f0c0ffee:token/ci", "createAccessToken", False, "tokens are children"),
    ([allow(["member/*:token/*"])], "member/5f0c0ffee:token/ci", "createAccessToken", True, "member tokens"),
    # -- tags
    (
        [allow(["proj/*:env/*:flag/*;beta"])],
        "proj/web:env/production:flag/checkout;beta",
        "updateOn",
        True,
        "tag",
    ),
    ([allow(["proj/*:env/*:flag/*;beta"])], FLAG_IN_WEB, "updateOn", False, "tag missing"),
    (
        [allow(["proj/*:env/*:flag/*;beta,ops"])],
        "proj/web:env/production:flag/checkout;beta",
        "updateOn",
        False,
        "every tag named must be on the resource",
    ),
    (
        [allow(["proj/*:env/*:flag/*;beta,ops"])],
        "proj/web:env/production:flag/checkout;ops,beta,other",
        "updateOn",
        True,
        "all named tags present, extra tags fine",
    ),
    (
        [allow(["proj/*;mobile:env/*:flag/*"])],
        "proj/web;mobile:env/production:flag/x",
        "updateOn",
        True,
        "project tag",
    ),
    (
        [allow(["proj/*;mobile:env/*:flag/*"])],
        "proj/web:env/production:flag/x;mobile",
        "updateOn",
        False,
        "tag on another level",
    ),
    (
        [allow(["proj/*:env/*:flag/*;team-*"])],
        "proj/w:env/p:flag/x;team-payments",
        "updateOn",
        True,
        "tag glob",
    ),
    (
        [allow(["proj/*:env/*;{critical:true}:flag/*"])],
        "proj/w:env/p;{critical:true}:flag/x",
        "updateOn",
        True,
        "selector",
    ),
    (
        [allow(["proj/*:env/*;{critical:true}:flag/*"])],
        "proj/w:env/p:flag/x",
        "updateOn",
        False,
        "selector missing",
    ),
    # -- actions
    ([allow(["proj/*:env/*:flag/*"], ["updateOn"])], FLAG_IN_WEB, "updateOn", True, "the action listed"),
    ([allow(["proj/*:env/*:flag/*"], ["updateOn"])], FLAG_IN_WEB, "updateRules", False, "another action"),
    ([allow(["proj/*:env/*:flag/*"], ["update*"])], FLAG_IN_WEB, "updateRules", True, "action glob"),
    ([allow(["proj/*:env/*:flag/*"], ["update*"])], FLAG_IN_WEB, "deleteFlag", False, "action glob misses"),
    (
        [allow(["proj/*:env/*:flag/*"], ["updateon"])],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "actions are case-sensitive",
    ),
    (
        [allow(["proj/*:env/*:flag/*"], ["createFlag", "deleteFlag"])],
        FLAG_IN_WEB,
        "deleteFlag",
        True,
        "second action",
    ),
    # -- deny over allow
    ([ALL_FLAGS, deny(["proj/*:env/production:flag/*"])], FLAG_IN_WEB, "updateOn", False, "deny wins"),
    (
        [deny(["proj/*:env/production:flag/*"]), ALL_FLAGS],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "deny wins in any order",
    ),
    ([ALL_FLAGS, deny(["proj/*:env/staging:flag/*"])], FLAG_IN_WEB, "updateOn", True, "deny elsewhere"),
    (
        [ALL_FLAGS, deny(["proj/*:env/*:flag/*"], ["updateOn"])],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "deny one action",
    ),
    (
        [ALL_FLAGS, deny(["proj/*:env/*:flag/*"], ["updateOn"])],
        FLAG_IN_WEB,
        "updateRules",
        True,
        "other actions stay",
    ),
    ([deny(["proj/*:env/*:flag/*"])], FLAG_IN_WEB, "updateOn", False, "deny alone allows nothing"),
    ([], FLAG_IN_WEB, "updateOn", False, "no statements, no events"),
    # -- notResources / notActions
    (
        [{"effect": "allow", "notResources": ["proj/*:env/staging:flag/*"], "actions": ["*"]}],
        FLAG_IN_WEB,
        "updateOn",
        True,
        "notResources matches what it does not list",
    ),
    (
        [{"effect": "allow", "notResources": ["proj/*:env/production:flag/*"], "actions": ["*"]}],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "notResources excludes what it lists",
    ),
    (
        [{"effect": "allow", "not_resources": ["proj/*:env/production:flag/*"], "actions": ["*"]}],
        "acct",
        "updateRequireMfa",
        True,
        "notResources covers other types too (snake_case)",
    ),
    (
        [{"effect": "allow", "resources": ["proj/*:env/*:flag/*"], "notActions": ["updateOn"]}],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "notActions excludes what it lists",
    ),
    (
        [{"effect": "allow", "resources": ["proj/*:env/*:flag/*"], "not_actions": ["update*"]}],
        FLAG_IN_WEB,
        "createFlag",
        True,
        "notActions matches other actions (snake_case, glob)",
    ),
    (
        [ALL_FLAGS, {"effect": "deny", "notResources": ["proj/*:env/production:flag/*"], "actions": ["*"]}],
        "proj/web:env/staging:flag/checkout",
        "updateOn",
        False,
        "deny with notResources denies everything else",
    ),
    (
        [ALL_FLAGS, {"effect": "deny", "notResources": ["proj/*:env/production:flag/*"], "actions": ["*"]}],
        FLAG_IN_WEB,
        "updateOn",
        True,
        "deny with notResources spares what it lists",
    ),
    (
        [ALL_FLAGS, {"effect": "deny", "resources": ["proj/*:env/*:flag/*"], "notActions": ["updateOn"]}],
        FLAG_IN_WEB,
        "updateOn",
        True,
        "deny with notActions spares what it lists",
    ),
    # -- statements LaunchDarkly could not apply match nothing
    ([allow(["proj/*:env/*:flag/*", "not a specifier"])], FLAG_IN_WEB, "updateOn", True, "one bad specifier"),
    ([allow(["proj/*:env/*:flag/"])], FLAG_IN_WEB, "updateOn", False, "only a bad specifier"),
    (
        [{"effect": "maybe", "resources": ["proj/*:env/*:flag/*"], "actions": ["*"]}],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "no effect",
    ),
    ([{"effect": "allow", "actions": ["*"]}], FLAG_IN_WEB, "updateOn", False, "no resources"),
    (
        [{"effect": "allow", "resources": ["proj/*:env/*:flag/*"]}],
        FLAG_IN_WEB,
        "updateOn",
        False,
        "no actions",
    ),
]


@pytest.mark.parametrize(
    ("statements", "resource", "action", "expected", "why"), CASES, ids=[c[4] for c in CASES]
)
def test_matches(statements: list[Any], resource: str, action: str, expected: bool, why: str) -> None:
    assert matches(statements, resource, action) is expected, why


def test_enough_cases() -> None:
    assert len(CASES) >= 40


def test_statement_objects_and_camel_case_dicts_agree() -> None:
    objects = [
        Statement(effect="allow", actions=["*"], resources=["proj/*:env/*:flag/*"]),
        Statement(effect="deny", not_actions=["updateOn"], resources=["proj/*:env/staging:flag/*"]),
    ]
    dicts = [statement.to_wire() for statement in objects]
    models = [ModelStatement.model_validate(d) for d in dicts]
    for resource in (FLAG_IN_WEB, "proj/web:env/staging:flag/checkout"):
        for action in ("updateOn", "deleteFlag"):
            answer = matches(objects, resource, action)
            assert answer == matches(dicts, resource, action) == matches(models, resource, action)
    assert matches(objects, "proj/web:env/staging:flag/checkout", "updateOn")
    assert not matches(objects, "proj/web:env/staging:flag/checkout", "deleteFlag")


@pytest.mark.parametrize("resource", ["", "proj/*:", "proj/a b", "flag/x;", 42])
def test_malformed_resource_is_an_error(resource: Any) -> None:
    with pytest.raises(ValueError, match="resource"):
        matches([PROD_FLAGS], resource, "updateOn")


@pytest.mark.parametrize("action", ["", None])
def test_missing_action_is_an_error(action: Any) -> None:
    with pytest.raises(ValueError, match="action"):
        matches([PROD_FLAGS], FLAG_IN_WEB, action)


def test_generators_and_unhashable_junk_are_fine() -> None:
    junk = {"effect": "allow", "resources": [["nested"]], "actions": ["*"]}
    assert matches((s for s in [junk, PROD_FLAGS]), FLAG_IN_WEB, "updateOn")
    assert not matches([junk, "not a statement", None], FLAG_IN_WEB, "updateOn")

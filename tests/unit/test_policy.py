"""Statements checked against LaunchDarkly's policy language: the bundled facts, the specifier grammar,
action names (near misses, globs, strictActions) and the Check failures they produce."""

from __future__ import annotations

import json
import re
from importlib import resources
from types import SimpleNamespace
from typing import Any, cast

import pytest
from pulumi.dynamic import ConfigureRequest

from pulumi_ld_auditsubs.api.settings import STRICT_ACTIONS_KEY, ProviderSettings, SettingsError
from pulumi_ld_auditsubs.provider import AuditLogSubscriptionProvider
from pulumi_ld_auditsubs.rules.models import check_inputs
from pulumi_ld_auditsubs.rules.policy import (
    Level,
    SpecifierError,
    action_problem,
    load_policy,
    parse_specifier,
    resource_problem,
)

# -- the bundled facts ----------------------------------------------------------------------------


def _raw() -> dict[str, Any]:
    text = resources.files("pulumi_ld_auditsubs").joinpath("data/policy.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def test_policy_data_says_where_it_comes_from() -> None:
    raw = _raw()
    assert raw["retrieved"] == "2026-12-02"
    assert raw["source"] and all(url.startswith("https://") for url in raw["source"])
    assert any("role-resources" in url for url in raw["source"])
    assert any("role-actions" in url for url in raw["source"])


def test_policy_data_is_well_formed() -> None:
    types = _raw()["resourceTypes"]
    assert len(types) >= 30
    assert list(types) == sorted(types)
    for name, spec in types.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert set(spec) <= {"parents", "named", "actions", "note"}, name
        assert spec["parents"], name
        for parent in spec["parents"]:
            assert parent is None or parent in types, (name, parent)
        assert spec["named"] in (True, False, "optional"), name
        actions = spec["actions"]
        assert actions == sorted(set(actions)), f"{name}: actions sorted, no duplicates"
        for action in actions:
            assert re.fullmatch(r"[a-z][A-Za-z0-9]+", action), (name, action)


def test_every_type_reaches_the_top_level_without_a_cycle() -> None:
    facts = load_policy()
    for name in facts.parents:
        path = facts.path(name)
        assert path[-1] == name
        assert None in facts.parents[path[0]], name
        assert len(set(path)) == len(path), name
        assert resource_problem(facts.example(name)) is None, facts.example(name)


def test_well_known_scopes() -> None:
    facts = load_policy()
    assert facts.example("flag") == "proj/*:env/*:flag/*"
    assert facts.example("segment") == "proj/*:env/*:segment/*"
    assert facts.example("metric") == "proj/*:metric/*"
    assert facts.example("token") == "member/*:token/*"
    assert facts.example("acct") == "acct"
    assert {"updateOn", "createFlag", "deleteFlag", "updateRules"} <= set(facts.actions_by_type["flag"])
    assert len(facts.actions) >= 200


def test_loaded_once() -> None:
    assert load_policy() is load_policy()


# -- specifiers LaunchDarkly documents pass -------------------------------------------------------

VALID_SPECIFIERS = [
    "acct",
    "proj/*",
    "proj/default",
    "proj/*;mobile",
    "proj/mobile-app;mobile,ios",
    "proj/*:env/*",
    "proj/*:env/production",
    "proj/*:env/*;{critical:true}",
    "proj/*:env/*:flag/*",
    "proj/*:env/production:flag/*",
    "proj/web:env/production:flag/checkout",
    "proj/*:env/*:flag/*;beta",
    "proj/*:env/*:flag/*;beta,ops",
    "proj/*:env/prod*:flag/*",
    "proj/*:env/*:flag/release-*",
    "proj/*;mobile:env/*;qa_*:flag/*",
    "proj/*:env/*;{critical:true}:flag/*",
    "proj/*:env/*:segment/*",
    "proj/*:env/production:segment/beta-users",
    "proj/*:env/*:experiment/*",
    "proj/*:env/*:holdout/*",
    "proj/*:env/*:destination/*",
    "proj/*:env/*:assignment-data-source/*",
    "proj/*:env/*:aiconfig/*",
    "proj/*:aiconfig/*",
    "proj/*:ai-model-config/*",
    "proj/*:metric/*",
    "proj/web:metric/signups",
    "proj/*:metric-group/*",
    "proj/*:release-pipeline/*",
    "proj/*:release-policy/*",
    "proj/*:context-kind/*",
    "proj/*:layer/*",
    "proj/*:view/*",
    "proj/*:prompt-snippet/*",
    "proj/*:alert/*",
    "member/*",
    "member/5f0c0ffee0123456789abcde",
    "member/*:token/*",
    "team/*",
    "team/platform",
    "role/*",
    "integration/*",
    "webhook/*",
    "code-reference-repository/*",
    "relay-proxy-config/*",
    "service-token/*",
    "pending-request/*",
    "application/*",
    "domain-verification/*",
    "template/*",
    "ip-allowlist",
]


@pytest.mark.parametrize("specifier", VALID_SPECIFIERS)
def test_documented_specifiers_pass(specifier: str) -> None:
    assert resource_problem(specifier) is None
    report = check_inputs(_news(resources=[specifier]))
    assert report.failures == []
    report = check_inputs(_news(resources=None, notResources=[specifier]))
    assert report.failures == []


def test_enough_valid_specifiers() -> None:
    assert len(VALID_SPECIFIERS) >= 40


def test_parse_returns_levels() -> None:
    assert parse_specifier("proj/web;mobile,ios:env/production:flag/checkout-*;{critical:true}") == (
        Level("proj", "web", ("mobile", "ios")),
        Level("env", "production"),
        Level("flag", "checkout-*", ("{critical:true}",)),
    )
    assert parse_specifier("acct") == (Level("acct", None),)
    assert str(Level("flag", "x", ("a", "b"))) == "flag/x;a,b"
    with pytest.raises(SpecifierError, match="empty level"):
        parse_specifier("proj/*:")


# -- actions LaunchDarkly documents pass ----------------------------------------------------------

VALID_ACTIONS = [
    "*",
    "update*",
    "create*",
    "delete*",
    "*Flag",
    "updateOn",
    "updateRules",
    "updateFallthrough",
    "updateOffVariation",
    "updatePrerequisites",
    "updateTargets",
    "updateExpiringTargets",
    "updateScheduledChanges",
    "updateFlagVariations",
    "updateFlagDefaultVariations",
    "updateFlagCustomProperties",
    "updateGlobalArchived",
    "updateDeprecated",
    "updateTemporary",
    "updateName",
    "updateDescription",
    "updateTags",
    "updateMaintainer",
    "updateTrackEvents",
    "updateIncludeInSnippet",
    "updateClientSideFlagAvailability",
    "updateFeatureWorkflows",
    "updateFlagSalt",
    "updateTriggers",
    "createTriggers",
    "deleteTriggers",
    "createFlag",
    "deleteFlag",
    "cloneFlag",
    "copyFlagConfigFrom",
    "copyFlagConfigTo",
    "createApprovalRequest",
    "applyApprovalRequest",
    "reviewApprovalRequest",
    "bypassRequiredApproval",
    "manageFlagFollowers",
    "addReleasePipeline",
    "updateReleasePhaseStatus",
    "stopMeasuredRolloutOnFlagRule",
    "createSegment",
    "deleteSegment",
    "updateIncluded",
    "updateExcluded",
    "createEnvironment",
    "deleteEnvironment",
    "updateApiKey",
    "updateMobileKey",
    "updateSecureMode",
    "updateRequireComments",
    "updateConfirmChanges",
    "updateCritical",
    "viewSdkKey",
    "createProject",
    "deleteProject",
    "updateProjectName",
    "viewProject",
    "createMetric",
    "deleteMetric",
    "updateEventKey",
    "createMember",
    "deleteMember",
    "updateRole",
    "updateCustomRole",
    "createAccessToken",
    "resetAccessToken",
    "createRole",
    "updatePolicy",
    "createTeam",
    "updateTeamMembers",
    "createWebhook",
    "updateUrl",
    "updateStatements",
    "createIntegration",
    "validateConnection",
    "updateConfiguration",
    "updateRequireMfa",
    "updateSamlX509Certificate",
    "revokeSessions",
    "updateOrganization",
    "createRelayAutoConfiguration",
    "createCodeRefsRepository",
    "createExperiment",
    "createHoldout",
    "createLayer",
    "createReleasePipeline",
    "createContextKind",
    "createAIConfig",
    "updatePendingRequest",
    "createApplication",
    "createDomainVerification",
]


@pytest.mark.parametrize("action", VALID_ACTIONS)
def test_documented_actions_pass_even_strictly(action: str) -> None:
    assert action_problem(action) is None
    assert action_problem(action, strict=True) is None
    assert check_inputs(_news(actions=[action]), strict_actions=True).failures == []
    assert check_inputs(_news(actions=None, notActions=[action]), strict_actions=True).failures == []


def test_enough_valid_actions() -> None:
    assert len([a for a in VALID_ACTIONS if "*" not in a]) >= 60


# -- what fails, where, and what it suggests ------------------------------------------------------

# (property list, value, the phrase the reason must contain)
BAD: list[tuple[str, str, str]] = [
    # malformed
    ("resources", "", "must not be empty"),
    ("resources", "proj/*:", "empty level"),
    ("resources", ":proj/*", "empty level"),
    ("resources", "proj/*::env/*", "empty level"),
    ("resources", "proj/", "give a name or * for all"),
    ("resources", "/web", "no resource type"),
    ("resources", "proj//web", "more than one '/'"),
    ("resources", "proj/*:env/prod/eu", "more than one '/'"),
    ("resources", "proj/* :env/*", "whitespace"),
    ("resources", "proj/*;", "no tags after it"),
    ("resources", "proj/*;mobile,", "empty"),
    ("resources", "proj/*;mo bile", "whitespace"),
    ("resources", "proj/*;{critical:true", "'{' without its '}'"),
    ("resources", "proj/*;critical:true}", "'}' without its '{'"),
    ("resources", "proj/*;tag!", "tags are letters"),
    ("resources", "Proj/*", "lowercase"),
    ("resources", "*", "'*' alone matches nothing"),
    ("resources", "*/*:env/*", "glob in resource type"),
    ("resources", "proj/${roleAttribute/projects}", "role attribute"),
    # unknown types, with the suggestion
    ("resources", "proj/*:env/*:flags/*", "did you mean flag?"),
    ("resources", "projects/*", "did you mean proj?"),
    ("resources", "proj/*:environment/production", "did you mean env?"),
    ("resources", "proj/*:env/*:segments/*", "did you mean segment?"),
    ("notResources", "proj/*:env/*:flagz/*", "did you mean flag?"),
    # types outside their parents
    ("resources", "flag/*", "scoped under proj/*:env/*"),
    ("resources", "proj/*:flag/*", "write proj/*:env/*:flag/*"),
    ("resources", "env/production", "write proj/*:env/*"),
    ("resources", "proj/*:env/*:metric/*", "write proj/*:metric/*"),
    ("resources", "token/*", "write member/*:token/*"),
    ("resources", "proj/*:member/*", "top-level"),
    ("notResources", "proj/*:env/*:flag/*:segment/*", "write proj/*:env/*:segment/*"),
    # names where none (or one) belongs
    ("resources", "acct/*", "acct takes no name"),
    ("resources", "proj", "proj without a name"),
    ("resources", "proj/*:env", "env without a name"),
    # near-miss actions
    ("actions", "updateOnn", "did you mean updateOn?"),
    ("actions", "createflag", "did you mean createFlag?"),
    ("actions", "deleteFlags", "did you mean deleteFlag?"),
    ("actions", "UpdateOn", "did you mean updateOn? (action names are case-sensitive)"),
    ("actions", "updateRule", "did you mean updateRules?"),
    ("actions", "udpateOn", "did you mean updateOn?"),
    ("actions", "updatOn", "did you mean updateOn?"),
    ("actions", "updateFalltrough", "did you mean updateFallthrough?"),
    ("notActions", "createSegments", "did you mean createSegment?"),
    ("notActions", "update_on", "did you mean updateOn?"),
    ("actions", "update on", "did you mean updateOn?"),
    ("actions", "updatetargets", "did you mean updateTargets?"),
]


def _news(**statement: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]}
    base.update(statement)
    return {
        "integrationKey": "datadog",
        "name": "Production audit log",
        "config": {"apiKey": "dd-api-key-0123456789"},
        "statements": [{k: v for k, v in base.items() if v is not None}],
    }


@pytest.mark.parametrize(("key", "value", "phrase"), BAD, ids=[f"{k}:{v!r}" for k, v, _ in BAD])
def test_bad_item_fails_check_naming_its_path_and_the_fix(key: str, value: str, phrase: str) -> None:
    filler = "*" if key in ("actions", "notActions") else "proj/*"
    positive = {"notResources": "resources", "notActions": "actions"}.get(key, key)
    report = check_inputs(_news(**{positive: None, key: [filler, value]}))
    assert [f.property for f in report.failures] == [f"statements[0].{key}[1]"], report.failures
    assert phrase in report.failures[0].reason


def test_enough_bad_cases() -> None:
    assert len(BAD) >= 30


def test_every_bad_item_of_every_statement_is_reported() -> None:
    news = _news()
    news["statements"] = [
        {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]},
        {"effect": "deny", "actions": ["updateOn", "updateOnn"], "resources": ["proj/*:flags/*", "proj/*"]},
    ]
    failures = check_inputs(news).failures
    assert [f.property for f in failures] == ["statements[1].resources[0]", "statements[1].actions[1]"]


# -- strictActions --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["updateFancyNewThing", "fooBar", "launchRocket"])
def test_unknown_actions_pass_by_default_and_fail_strictly(action: str) -> None:
    assert check_inputs(_news(actions=[action])).failures == []
    failures = check_inputs(_news(actions=[action]), strict_actions=True).failures
    assert [f.property for f in failures] == ["statements[0].actions[0]"]
    assert "strictActions" in failures[0].reason


def test_strict_globs_must_match_a_documented_action() -> None:
    assert check_inputs(_news(actions=["update*", "*Flag"]), strict_actions=True).failures == []
    assert check_inputs(_news(actions=["zzz*"])).failures == []
    failures = check_inputs(_news(actions=["zzz*"]), strict_actions=True).failures
    assert [f.property for f in failures] == ["statements[0].actions[0]"]


def test_near_misses_fail_either_way() -> None:
    for strict in (False, True):
        failures = check_inputs(_news(actions=["updateOnn"]), strict_actions=strict).failures
        assert [f.reason for f in failures] == ["unknown action 'updateOnn'; did you mean updateOn?"]


def test_strict_actions_setting() -> None:
    assert ProviderSettings.resolve({}, {}).strict_actions is False
    assert ProviderSettings.resolve({STRICT_ACTIONS_KEY: "true"}, {}).strict_actions is True
    assert ProviderSettings.resolve({STRICT_ACTIONS_KEY: " FALSE "}, {}).strict_actions is False
    with pytest.raises(SettingsError, match="ld-auditsubs:strictActions"):
        ProviderSettings.resolve({STRICT_ACTIONS_KEY: "yes"}, {})


@pytest.mark.parametrize(("setting", "failed"), [(None, False), ("false", False), ("true", True)])
def test_provider_check_honours_strict_actions(setting: str | None, failed: bool) -> None:
    provider = AuditLogSubscriptionProvider()
    config = {} if setting is None else {STRICT_ACTIONS_KEY: setting}
    provider.configure(cast(ConfigureRequest, SimpleNamespace(config=config)))
    result = provider.check({}, _news(actions=["updateOn", "launchRocket"]))
    assert [f.property for f in result.failures or []] == (["statements[0].actions[1]"] if failed else [])
    typo = provider.check({}, _news(resources=["proj/*:env/production:flags/*"]))
    assert [(f.property, "did you mean flag?" in f.reason) for f in typo.failures or []] == [
        ("statements[0].resources[0]", True)
    ]

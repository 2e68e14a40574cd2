"""A table of bad inputs a careful reviewer would refuse at preview, and check's robustness on junk.

Every row must fail ``check`` with exactly one failure on the named property (so the user is told
where to look), and the reason must say what is wrong. ``check_inputs`` never touches the network,
so each of these costs zero requests. The hypothesis tests feed arbitrary junk to the provider's
``check`` hook and assert it never raises: a crash there would show the user a traceback instead of
the property that is wrong.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_ld_auditsubs.provider import AuditLogSubscriptionProvider
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.models import (
    INPUT_KEYS,
    MAX_CONFIG_VALUE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SPECIFIER_LENGTH,
    MAX_SPECIFIERS_PER_LIST,
    MAX_STATEMENTS,
    MAX_URL_LENGTH,
    URL_FIELDS_TYPED_AS_STRING,
    check_inputs,
)

STATEMENT: dict[str, Any] = {
    "effect": "allow",
    "actions": ["*"],
    "resources": ["proj/*:env/production:flag/*"],
}
GOOD_ID = "65f0c0ffee0123456789abcd"


def _required_config(integration: str) -> dict[str, Any]:
    """A valid config for ``integration``: its required fields with plausible values."""
    url_strings = URL_FIELDS_TYPED_AS_STRING.get(integration, frozenset())
    config: dict[str, Any] = {}
    for variable in load_catalog()[integration].form_variables:
        if variable.is_optional or variable.is_generated:
            continue
        if variable.type == "uri" or variable.key in url_strings:
            config[variable.key] = "https://hooks.example.com/ingest"
        elif variable.type == "boolean":
            config[variable.key] = False
        elif variable.allowed_values:
            config[variable.key] = variable.allowed_values[0]
        else:
            config[variable.key] = "value-0123456789"
    return config


def _news(integration: str = "datadog", **changes: Any) -> dict[str, Any]:
    news: dict[str, Any] = {
        "integrationKey": integration,
        "name": "Audit log",
        "config": _required_config(integration),
        "statements": [copy.deepcopy(STATEMENT)],
    }
    news.update(changes)
    return news


def _config(integration: str, **config: Any) -> dict[str, Any]:
    news = _news(integration)
    news["config"].update(config)
    return news


def _url_fields() -> list[tuple[str, str]]:
    """Every URL-like config field: typed ``uri`` in the catalog, or overridden as a URL."""
    fields = []
    for key, integration in load_catalog().items():
        for variable in integration.form_variables:
            if variable.type == "uri" or variable.key in URL_FIELDS_TYPED_AS_STRING.get(key, ()):
                fields.append((key, variable.key))
    return fields


BAD_URLS = [
    ("javascript", "javascript:alert(1)"),
    ("ftp", "ftp://hooks.example.com/x"),
    ("file", "file:///etc/passwd"),
    ("no-scheme", "hooks.example.com/ingest"),
    ("newline", "https://hooks.example.com/in\ngest"),
    ("nul", "https://hooks.example.com/\x00"),
    ("escape", "https://hooks.example.com/\x1b[31m"),
    ("backslash", "https:\\\\hooks.example.com\\x"),
    ("bad-port", "https://hooks.example.com:99999/x"),
    ("too-long", "https://hooks.example.com/" + "a" * MAX_URL_LENGTH),
]

NAME_CASES = [
    ("nul", "Audit\x00log", "control character (U+0000)"),
    ("newline", "Audit\nlog", "control character (U+000A)"),
    ("carriage-return", "Audit log\r", "control character (U+000D)"),
    ("tab", "Audit\tlog", "control character (U+0009)"),
    ("escape", "\x1b[31mAudit log", "control character (U+001B)"),
    ("delete", "Audit\x7flog", "control character (U+007F)"),
    ("c1-next-line", "Audit\x85log", "control character (U+0085)"),
    ("line-separator", "Audit\u2028log", "control character (U+2028)"),
    ("paragraph-separator", "Audit\u2029log", "control character (U+2029)"),
    ("bidi-override", "Audit \u202egol", "bidirectional-text control character (U+202E)"),
    ("bidi-isolate", "Audit \u2066log\u2069", "bidirectional-text control character (U+2066)"),
    ("zero-width-space", "\u200b", "only invisible characters"),
    ("zero-width-mix", "\u200b\u200c\u200d", "only invisible characters"),
    ("byte-order-mark", "\ufeff", "only invisible characters"),
    ("word-joiner", "\u2060\u2060", "only invisible characters"),
    ("hangul-filler", "\u3164", "only invisible characters"),
    ("hangul-choseong-filler", "\u115f\u1160", "only invisible characters"),
    ("braille-blank", "\u2800\u2800", "only invisible characters"),
    ("soft-hyphen", "\u00ad", "only invisible characters"),
    ("combining-mark-alone", "\u0301\u0301", "only invisible characters"),
    ("invisible-and-space", " \u200b ", "only invisible characters"),
    ("too-long", "a" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH} are allowed"),
    ("too-long-unicode", "é" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH} are allowed"),
    ("list", ["Audit log"], "must be a non-empty string"),
    ("object", {"text": "Audit log"}, "must be a non-empty string"),
    ("boolean", True, "must be a non-empty string"),
    ("only-newlines", "\n\n", "must not be empty"),
]

STATEMENT_CASES = [
    ("too-many", [STATEMENT] * (MAX_STATEMENTS + 1), "statements", f"at most {MAX_STATEMENTS}"),
    (
        "too-many-resources",
        [{**STATEMENT, "resources": [f"proj/p{i}" for i in range(MAX_SPECIFIERS_PER_LIST + 1)]}],
        "statements[0].resources",
        f"at most {MAX_SPECIFIERS_PER_LIST} are allowed",
    ),
    (
        "too-many-actions",
        [{**STATEMENT, "actions": [f"action{i}" for i in range(MAX_SPECIFIERS_PER_LIST + 1)]}],
        "statements[0].actions",
        f"at most {MAX_SPECIFIERS_PER_LIST} are allowed",
    ),
    (
        "too-many-not-actions",
        [{"effect": "deny", "resources": ["proj/*"], "notActions": ["a"] * (MAX_SPECIFIERS_PER_LIST + 1)}],
        "statements[0].notActions",
        f"at most {MAX_SPECIFIERS_PER_LIST} are allowed",
    ),
    (
        "too-many-not-resources",
        [{"effect": "deny", "actions": ["*"], "notResources": ["proj/r"] * (MAX_SPECIFIERS_PER_LIST + 1)}],
        "statements[0].notResources",
        f"at most {MAX_SPECIFIERS_PER_LIST} are allowed",
    ),
    (
        "specifier-too-long",
        [{**STATEMENT, "resources": ["proj/" + "p" * MAX_SPECIFIER_LENGTH]}],
        "statements[0].resources[0]",
        f"at most {MAX_SPECIFIER_LENGTH} are allowed",
    ),
    (
        "specifier-newline",
        [{**STATEMENT, "resources": ["proj/*\n:env/x"]}],
        "statements[0].resources[0]",
        "control character (U+000A)",
    ),
    (
        "specifier-nul",
        [{**STATEMENT, "actions": ["*\x00"]}],
        "statements[0].actions[0]",
        "control character (U+0000)",
    ),
    (
        "specifier-bidi",
        [STATEMENT, {**STATEMENT, "actions": ["\u202e*"]}],
        "statements[1].actions[0]",
        "bidirectional-text control character",
    ),
    (
        "second-statement-blank-item",
        [STATEMENT, {**STATEMENT, "resources": [" "]}],
        "statements[1].resources[0]",
        "must not be empty",
    ),
]

ADOPT_CASES = [
    ("short-id", "65f0c0ffee", "24 lowercase hexadecimal digits"),
    ("long-id", GOOD_ID + "0", "is not a subscription id"),
    ("uppercase-id", GOOD_ID.upper(), "is not a subscription id"),
    ("non-hex-id", "65f0c0ffee0123456789abcz", "is not a subscription id"),
    ("dot-dot", "..", "is not a subscription id"),
    ("key-dot-dot", "datadog/..", "is not a subscription id"),
    ("path-traversal", f"datadog/../{GOOD_ID}", "is not a subscription id"),
    ("empty-key", f"/{GOOD_ID}", "is not a subscription id"),
    ("trailing-slash", f"datadog/{GOOD_ID}/", "is not a subscription id"),
    ("space-in-key", f"data dog/{GOOD_ID}", "is not a subscription id"),
    ("newline", f"{GOOD_ID}\n", "is not a subscription id"),
    ("query", f"{GOOD_ID}?x=1", "is not a subscription id"),
    ("other-key", f"splunk/{GOOD_ID}", "names integration 'splunk' but integrationKey is 'datadog'"),
    ("list", [GOOD_ID], "must be a string"),
]

CONFIG_CASES = [
    ("secret-trailing-newline", _config("datadog", apiKey="dd-key-0123456789\n"), "config.apiKey"),
    ("secret-nul", _config("honeycomb", apiKey="hc\x00key"), "config.apiKey"),
    ("secret-too-long", _config("splunk", token="t" * (MAX_CONFIG_VALUE_LENGTH + 1)), "config.token"),
    (
        "string-too-long",
        _config("honeycomb", datasetName="d" * (MAX_CONFIG_VALUE_LENGTH + 1)),
        "config.datasetName",
    ),
    ("string-escape", _config("elastic", index="audit\x1b"), "config.index"),
    ("optional-string-control", _config("logdna", level="INFO\r\n"), "config.level"),
]

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    *[
        (f"url-{key}-{field}-{label}", _config(key, **{field: url}), f"config.{field}", "")
        for key, field in _url_fields()
        for label, url in BAD_URLS
    ],
    *[(f"name-{label}", _news(name=name), "name", phrase) for label, name, phrase in NAME_CASES],
    *[
        (f"statements-{label}", _news(statements=statements), prop, phrase)
        for label, statements, prop, phrase in STATEMENT_CASES
    ],
    *[(f"adopt-{label}", _news(adoptId=value), "adoptId", phrase) for label, value, phrase in ADOPT_CASES],
    *[(f"config-{label}", news, prop, "") for label, news, prop in CONFIG_CASES],
]


def test_the_table_is_large_and_covers_every_url_field() -> None:
    assert len(CASES) >= 100
    # 15 URL-like fields, 4 of which the catalog types as plain strings.
    assert len(_url_fields()) == 15


def test_every_config_field_named_like_a_url_is_checked_as_one() -> None:
    """A regenerated catalog that adds a string-typed URL field must add it to the override too."""
    for key, integration in load_catalog().items():
        for variable in integration.form_variables:
            if "url" in variable.key.lower() or variable.key.lower().endswith("uri"):
                overridden = variable.key in URL_FIELDS_TYPED_AS_STRING.get(key, ())
                # An enum (datadog `hostURL`) is already limited to LaunchDarkly's own URLs.
                assert variable.type in ("uri", "enum") or overridden, (key, variable.key)


@pytest.mark.parametrize(("news", "property_", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_check_naming_the_property(news: dict[str, Any], property_: str, phrase: str) -> None:
    report = check_inputs(news)
    assert [f.property for f in report.failures] == [property_], report.failures
    assert phrase in report.failures[0].reason


@pytest.mark.parametrize(("news", "property_"), [(c[1], c[2]) for c in CONFIG_CASES])
def test_a_refused_config_value_is_never_echoed(news: dict[str, Any], property_: str) -> None:
    value = news["config"][property_.removeprefix("config.")]
    reason = check_inputs(news).failures[0].reason
    assert value not in reason and value.strip() not in reason


@pytest.mark.parametrize("key", ["chronosphere", "kosli", "splunk", "vercel-native"])
def test_string_typed_url_fields_accept_an_https_url(key: str) -> None:
    assert check_inputs(_news(key)).failures == []


def test_vercel_native_url_may_be_left_at_its_empty_default() -> None:
    assert check_inputs(_config("vercel-native", url="")).failures == []


@pytest.mark.parametrize(
    "name",
    [
        "a" * MAX_NAME_LENGTH,
        "Prod → Datadog 🚀",
        "Équipe plateforme",
        "監査ログ",
        "family 👨\u200d👩\u200d👧",  # zero-width joiners inside visible text are fine
    ],
)
def test_realistic_names_pass(name: str) -> None:
    assert check_inputs(_news(name=name)).failures == []


def test_limits_themselves_are_allowed() -> None:
    statements = [
        {**STATEMENT, "resources": [f"proj/p{i}" for i in range(MAX_SPECIFIERS_PER_LIST)]}
    ] * MAX_STATEMENTS
    assert check_inputs(_news(statements=statements, adoptId=f"datadog/{GOOD_ID}")).failures == []


# -- check never raises --------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["datadog", "splunk", "cloudtrail", "*", "allow", "deny", GOOD_ID, "https://x"]),
)
_junk = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=12), st.sampled_from(INPUT_KEYS)), children, max_size=5),
    ),
    max_leaves=25,
)
_statement_junk = st.dictionaries(
    st.sampled_from(["effect", "actions", "notActions", "resources", "notResources", "not_actions", "x"]),
    _junk,
    max_size=5,
)
_news_junk = st.fixed_dictionaries(
    {},
    optional={
        "integrationKey": st.one_of(st.sampled_from(list(load_catalog())), _junk),
        "name": _junk,
        "config": st.one_of(st.dictionaries(st.text(max_size=20), _junk, max_size=5), _junk),
        "statements": st.one_of(st.lists(st.one_of(_statement_junk, _junk), max_size=3), _junk),
        "on": _junk,
        "tags": _junk,
        "adoptId": st.one_of(st.text(max_size=40), _junk),
        "unexpected": _junk,
    },
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news=_news_junk)
def test_provider_check_never_raises(news: dict[str, Any]) -> None:
    result = AuditLogSubscriptionProvider().check({}, news)
    for failure in result.failures or []:
        assert isinstance(failure.property, str) and isinstance(failure.reason, str)


@settings(max_examples=80, deadline=None)
@given(news=st.dictionaries(st.text(max_size=15), _junk, max_size=8))
def test_check_inputs_never_raises_on_any_mapping(news: dict[str, Any]) -> None:
    check_inputs(news)

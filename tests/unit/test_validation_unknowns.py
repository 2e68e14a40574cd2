"""check_inputs during preview: values Pulumi does not know yet are passed through, never judged."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_ld_auditsubs.rules.models import CheckReport, check_inputs


class Unknown:
    """Stands in for a Pulumi preview unknown."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()
ALLOW_ALL = {"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}


def _check(**overrides: Any) -> CheckReport:
    news = {
        "integrationKey": "datadog",
        "name": "audit",
        "config": {"apiKey": "k"},
        "statements": [ALLOW_ALL],
        **overrides,
    }
    return check_inputs(news, is_unknown=lambda value: isinstance(value, Unknown))


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"name": UNKNOWN}, ("name",)),
        ({"config": UNKNOWN}, ("config",)),
        ({"config": {"apiKey": UNKNOWN}}, ("config", "apiKey")),
        ({"config": {"apiKey": "k", "hideMemberDetails": UNKNOWN}}, ("config", "hideMemberDetails")),
        ({"config": {"apiKey": "k", "hostURL": UNKNOWN}}, ("config", "hostURL")),
        ({"statements": UNKNOWN}, ("statements",)),
        ({"statements": [UNKNOWN]}, ("statements", 0)),
        (
            {"statements": [{"effect": UNKNOWN, "actions": ["*"], "resources": ["proj/*"]}]},
            ("statements", 0, "effect"),
        ),
        (
            {"statements": [{"effect": "allow", "actions": UNKNOWN, "resources": ["proj/*"]}]},
            ("statements", 0, "actions"),
        ),
        (
            {"statements": [{"effect": "allow", "actions": ["*"], "not_resources": [UNKNOWN]}]},
            ("statements", 0, "notResources", 0),
        ),
        ({"on": UNKNOWN}, ("on",)),
        ({"tags": UNKNOWN}, ("tags",)),
        ({"tags": ["a", UNKNOWN, "a", UNKNOWN]}, ("tags", 1)),
        ({"adoptId": UNKNOWN}, ("adoptId",)),
        ({"integrationKey": UNKNOWN}, ("integrationKey",)),
    ],
)
def test_unknowns_are_passed_through_unjudged(overrides: dict[str, Any], path: tuple[str | int, ...]) -> None:
    report = _check(**overrides)
    assert report.failures == []
    value: Any = report.inputs
    for step in path:
        value = value[step]
    assert value is UNKNOWN


def test_unknown_tags_are_never_deduplicated() -> None:
    assert _check(tags=["a", UNKNOWN, "a", UNKNOWN]).inputs["tags"] == ["a", UNKNOWN, UNKNOWN]


def test_an_unknown_integration_key_leaves_config_unjudged() -> None:
    report = _check(integrationKey=UNKNOWN, config={"whatever": 1})
    assert report.failures == []
    assert report.inputs["config"] == {"whatever": 1}


def test_known_siblings_of_an_unknown_are_still_judged() -> None:
    report = _check(config={"apiKey": UNKNOWN, "hostURL": "nope"}, tags=[UNKNOWN, "bad tag"])
    assert [f.property for f in report.failures] == ["config.hostURL", "tags[1]"]


def test_an_unknown_value_under_an_unknown_config_key_is_still_an_unknown_key() -> None:
    report = _check(config={"apiKey": "k", "nope": UNKNOWN})
    assert [f.property for f in report.failures] == ["config.nope"]

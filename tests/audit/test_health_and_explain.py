"""``health`` and ``explain`` end to end: an emulated account whose streams deliver, fail and heal.

Most runs call ``cli.main`` in this process (fast); two run the real console entry point in a
subprocess, as a CI job would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from pulumi_ld_auditsubs.commands.cli import main
from pulumi_ld_auditsubs.commands.export_render import FoundSubscription
from pulumi_ld_auditsubs.commands.health import assess, delivery_failing
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.models import Subscription
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-audit-tests-1b7e94"
DD_KEY = "dd-audit-tests-secret-5521"
SLACK_URL = "https://hooks.slack.com/services/T0AUDIT/B0AUDIT/slackSecretToken77"
SPLUNK_TOKEN = "splunk-audit-tests-hec-9931"
SECRETS = (TOKEN, DD_KEY, SLACK_URL, SPLUNK_TOKEN, "slackSecretToken77")
PROD_FLAG = "proj/web:env/production:flag/checkout"
STAGING_FLAG = "proj/web:env/staging:flag/checkout"
HEALTH_FIELDS = {
    "integrationKey",
    "id",
    "name",
    "on",
    "healthy",
    "state",
    "successCount",
    "errorCount",
    "lastSuccess",
    "lastError",
    "lastErrorDetail",
}


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def assert_no_secret(self) -> None:
        for secret in SECRETS:
            assert secret not in self.out and secret not in self.err, secret


@dataclass
class Account:
    """The emulator and the ids of the three subscriptions it starts with."""

    emulator: Emulator
    datadog: str
    """Enabled; every production flag change."""
    slack: str
    """Enabled; every flag change except ``updateOn`` in production (a deny statement)."""
    splunk: str
    """Disabled; every production flag change."""

    def control(self, method: str, path: str, body: Any) -> requests.Response:
        """The HTTP control API, as a test in another process would drive it."""
        response = requests.request(
            method,
            f"{self.emulator.url}/_emulator/{path}",
            json=body,
            headers={"Authorization": TOKEN},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response

    def event(self, resource: str = PROD_FLAG, action: str = "updateOn") -> list[str]:
        delivered: list[str] = self.control(
            "POST", "events", {"resource": resource, "action": action}
        ).json()["deliveredTo"]
        return delivered

    def fail(self, key: str, subscription_id: str, status: int, body: str) -> None:
        self.control(
            "PUT",
            f"delivery/{key}/{subscription_id}",
            {"error": {"statusCode": status, "responseBody": body}},
        )

    def heal(self, key: str, subscription_id: str) -> None:
        self.control("PUT", f"delivery/{key}/{subscription_id}", {"error": None})


def _create(url: str, key: str, body: dict[str, Any]) -> str:
    response = requests.post(
        f"{url}/api/v2/integrations/{key}", json=body, headers={"Authorization": TOKEN}, timeout=10
    )
    assert response.status_code == 201, response.text
    subscription_id: str = response.json()["_id"]
    return subscription_id


@pytest.fixture
def account() -> Iterator[Account]:
    with Emulator(tokens=(TOKEN,)) as emulator:
        prod = [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}]
        datadog = _create(
            emulator.url,
            "datadog",
            {"name": "Prod to Datadog", "config": {"apiKey": DD_KEY}, "statements": prod, "on": True},
        )
        slack = _create(
            emulator.url,
            "slack",
            {
                "name": "Flags to Slack",
                "config": {"url": SLACK_URL},
                "statements": [
                    {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]},
                    {
                        "effect": "deny",
                        "actions": ["updateOn"],
                        "resources": ["proj/*:env/production:flag/*"],
                    },
                ],
                "on": True,
            },
        )
        splunk = _create(
            emulator.url,
            "splunk",
            {
                "name": "Prod to Splunk (paused)",
                "config": {
                    "base-url": "https://splunk.example.com",
                    "token": SPLUNK_TOKEN,
                    "skip-ca-verification": False,
                },
                "statements": prod,
                "on": False,
            },
        )
        yield Account(emulator, datadog, slack, splunk)


@pytest.fixture
def cli(
    account: Account, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Ran]:
    """``pulumi-ld-auditsubs ARGS`` in this process, credentials in the environment."""

    def run(*args: str, token: str | None = TOKEN, host: str | None = None) -> Ran:
        monkeypatch.setenv("LAUNCHDARKLY_API_HOST", host or account.emulator.url)
        if token is None:
            monkeypatch.delenv("LAUNCHDARKLY_ACCESS_TOKEN", raising=False)
        else:
            monkeypatch.setenv("LAUNCHDARKLY_ACCESS_TOKEN", token)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        ran = Ran(code, out, err)
        ran.assert_no_secret()
        return ran

    return run


def by_key(report: Any) -> dict[str, dict[str, Any]]:
    assert set(report) == {"subscriptions"}
    subscriptions: list[dict[str, Any]] = report["subscriptions"]
    for entry in subscriptions:
        assert set(entry) == HEALTH_FIELDS
    return {entry["integrationKey"]: entry for entry in subscriptions}


# -- health -----------------------------------------------------------------------------------------


def test_health_of_a_quiet_account_is_0(cli: Callable[..., Ran], account: Account) -> None:
    ran = cli("health", "--json")
    assert ran.code == 0, ran.err
    report = by_key(ran.json())
    assert set(report) == {"datadog", "slack", "splunk"}
    assert report["datadog"] == {
        "integrationKey": "datadog",
        "id": account.datadog,
        "name": "Prod to Datadog",
        "on": True,
        "healthy": True,
        "state": "idle",
        "successCount": 0,
        "errorCount": 0,
        "lastSuccess": None,
        "lastError": None,
        "lastErrorDetail": None,
    }
    assert (report["splunk"]["on"], report["splunk"]["state"]) == (False, "off")
    text = cli("health")
    assert text.code == 0
    assert text.out.splitlines()[-1] == "3 subscriptions: 0 failing, 0 delivering, 2 idle, 1 off"


def test_a_failing_stream_is_1_until_healed_and_delivered_again(
    cli: Callable[..., Ran], account: Account
) -> None:
    assert account.event() == [f"datadog/{account.datadog}"]
    account.fail("datadog", account.datadog, 403, f'{{"errors": ["Forbidden: API key {DD_KEY} is invalid"]}}')
    assert account.event() == [f"datadog/{account.datadog}"]

    ran = cli("health", "--json")
    assert ran.code == 1
    datadog = by_key(ran.json())["datadog"]
    assert (datadog["healthy"], datadog["state"]) == (False, "failing")
    assert (datadog["successCount"], datadog["errorCount"]) == (1, 1)
    assert datadog["lastError"] > datadog["lastSuccess"]
    detail = datadog["lastErrorDetail"]
    assert detail["statusCode"] == 403 and detail["timestamp"] == datadog["lastError"]
    assert detail["responseBody"] == '{"errors": ["Forbidden: API key [redacted] is invalid"]}'
    assert all(entry["healthy"] for key, entry in by_key(ran.json()).items() if key != "datadog")

    text = cli("health")
    assert text.code == 1
    line = next(line for line in text.out.splitlines() if account.datadog in line)
    assert line.startswith("FAILING")
    assert "1 delivered, 1 failed" in line and "HTTP 403" in line and "[redacted]" in line
    assert text.out.splitlines()[-1].startswith("3 subscriptions: 1 failing")

    account.heal("datadog", account.datadog)
    assert cli("health").code == 1  # healing the destination is not a delivery yet
    account.event()
    healed = cli("health", "--json")
    assert healed.code == 0
    datadog = by_key(healed.json())["datadog"]
    assert (datadog["healthy"], datadog["state"], datadog["successCount"]) == (True, "delivering", 2)
    assert datadog["lastErrorDetail"]["statusCode"] == 403  # the history stays visible


def test_errors_and_never_a_success_is_failing(cli: Callable[..., Ran], account: Account) -> None:
    account.fail("slack", account.slack, 404, f"no_service: {SLACK_URL}")
    assert account.event(STAGING_FLAG, "createFlag") == [f"slack/{account.slack}"]
    ran = cli("health", "--json", "--integration", "slack")
    assert ran.code == 1
    slack = by_key(ran.json())["slack"]
    assert slack["state"] == "failing" and slack["lastSuccess"] is None
    assert slack["lastErrorDetail"]["responseBody"] == "no_service: [redacted]"


def test_streams_the_event_never_reaches_are_not_counted(cli: Callable[..., Ran], account: Account) -> None:
    # The deny statement keeps production updateOn from Slack, and Splunk is off: neither is tried.
    account.fail("slack", account.slack, 500, "down")
    account.fail("splunk", account.splunk, 500, "down")
    assert account.event() == [f"datadog/{account.datadog}"]
    assert cli("health").code == 0


def test_a_disabled_stream_with_errors_is_not_counted(cli: Callable[..., Ran], account: Account) -> None:
    requests.patch(
        f"{account.emulator.url}/api/v2/integrations/splunk/{account.splunk}",
        json=[{"op": "replace", "path": "/on", "value": True}],
        headers={"Authorization": TOKEN},
        timeout=10,
    ).raise_for_status()
    account.fail("splunk", account.splunk, 401, f"bad HEC token {SPLUNK_TOKEN}")
    account.event()
    assert cli("health", "--integration", "splunk").code == 1
    requests.patch(
        f"{account.emulator.url}/api/v2/integrations/splunk/{account.splunk}",
        json=[{"op": "replace", "path": "/on", "value": False}],
        headers={"Authorization": TOKEN},
        timeout=10,
    ).raise_for_status()
    ran = cli("health", "--json", "--integration", "splunk")
    assert ran.code == 0
    splunk = by_key(ran.json())["splunk"]
    assert (splunk["on"], splunk["healthy"], splunk["state"], splunk["errorCount"]) == (False, True, "off", 1)
    assert splunk["lastErrorDetail"]["responseBody"] == "bad HEC token [redacted]"


def test_integration_filter(cli: Callable[..., Ran]) -> None:
    ran = cli(
        "health", "--json", "--integration", "slack", "--integration", "splunk", "--integration", "slack"
    )
    assert ran.code == 0
    assert [entry["integrationKey"] for entry in ran.json()["subscriptions"]] == ["slack", "splunk"]


@pytest.mark.parametrize(
    ("args", "token", "host", "message"),
    [
        ((), None, None, "LAUNCHDARKLY_ACCESS_TOKEN"),
        ((), "api-wrong-token-0000", None, "401"),
        (("--integration", "no-such-integration"), TOKEN, None, "no integration 'no-such-integration'"),
        ((), TOKEN, "ftp://example.com", "--api-host"),
    ],
)
def test_health_cannot_tell_is_2(
    cli: Callable[..., Ran], args: tuple[str, ...], token: str | None, host: str | None, message: str
) -> None:
    host_args = ("--api-host", host) if host else ()
    ran = cli("health", "--json", *args, *host_args, token=token)
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.startswith("error: ") and message in ran.err


def test_health_api_failure_is_2(cli: Callable[..., Ran], account: Account) -> None:
    account.emulator.inject_fault("GET", "/api/v2/integrations/slack", status=403)
    ran = cli("health")
    assert ran.code == 2 and "403" in ran.err


@pytest.mark.parametrize(
    ("last_success", "last_error", "successes", "errors", "failing"),
    [
        (None, None, 0, 0, False),
        (10, None, 1, 0, False),
        (10, 20, 1, 1, True),
        (20, 10, 1, 1, False),
        (10, 10, 1, 1, False),
        (None, 10, 0, 1, True),
        (None, None, 0, 3, True),
        (None, None, 2, 3, False),
        (None, 10, 5, 1, False),
    ],
)
def test_the_failing_rule(
    last_success: int | None, last_error: int | None, successes: int, errors: int, failing: bool
) -> None:
    assert delivery_failing(last_success, last_error, successes, errors) is failing


@pytest.mark.parametrize(
    ("key", "item", "body", "expected"),
    [
        (  # a legacy top-level Slack url is a credential too
            "slack",
            {"config": {}, "url": "https://hooks.slack.com/services/T1/B1/legacySecret42"},
            "bad hook https://hooks.slack.com/services/T1/B1/legacySecret42",
            "bad hook [redacted]",
        ),
        (  # outside the catalog every config string counts as a secret, masked or not
            "acme-audit",
            {"config": {"endpoint": "https://acme.example.com/in", "apiToken": "acm************987"}},
            "POST https://acme.example.com/in: token acme-token-000987 refused",
            "POST [redacted]: token [redacted] refused",
        ),
        (  # a non-secret field stays readable
            "datadog",
            {"config": {"apiKey": "dd-*****999", "hostURL": "https://api.datadoghq.eu"}},
            "https://api.datadoghq.eu said: key dd-live-key-999 revoked",
            "https://api.datadoghq.eu said: key [redacted] revoked",
        ),
    ],
)
def test_error_bodies_are_scrubbed_of_the_subscription_secrets(
    key: str, item: dict[str, Any], body: str, expected: str
) -> None:
    status = {
        "errorCount": 1,
        "lastError": 5,
        "errors": [{"statusCode": 401, "responseBody": body, "timestamp": 5}],
    }
    document = {"_id": "65f0c0ffee0123456789abcd", "name": "n", "on": True, "_status": status, **item}
    document.setdefault("kind", key)
    document.setdefault("config", {})
    stream = assess(FoundSubscription(key, Subscription.model_validate(document)), load_catalog())
    assert stream.last_error_detail is not None
    assert stream.last_error_detail.response_body == expected
    assert stream.failing


# -- explain ----------------------------------------------------------------------------------------


def test_explain_lists_enabled_receivers(cli: Callable[..., Ran], account: Account) -> None:
    ran = cli("explain", "--resource", PROD_FLAG, "--action", "updateOn", "--json")
    assert ran.code == 0
    assert ran.json() == {
        "receivers": [{"integrationKey": "datadog", "id": account.datadog, "name": "Prod to Datadog"}]
    }
    assert account.event() == [f"datadog/{account.datadog}"]  # the emulator agrees

    staging = cli("explain", "--resource", STAGING_FLAG + ";beta", "--action", "createFlag")
    assert staging.code == 0
    assert staging.out.splitlines() == [
        f"createFlag on {STAGING_FLAG};beta reaches 1 enabled subscription:",
        f"  slack/{account.slack}  'Flags to Slack'",
    ]


def test_explain_with_no_receiver_is_1_and_names_disabled_matches(
    cli: Callable[..., Ran], account: Account
) -> None:
    denied = cli(
        "explain", "--resource", PROD_FLAG, "--action", "updateOn", "--integration", "slack", "--json"
    )
    assert (denied.code, denied.json()) == (1, {"receivers": []})
    paused = cli("explain", "--resource", PROD_FLAG, "--action", "updateOn", "--integration", "splunk")
    assert paused.code == 1
    assert paused.out.splitlines() == [
        f"No enabled subscription receives updateOn on {PROD_FLAG} (1 subscriptions read).",
        f"  would reach splunk/{account.splunk} 'Prod to Splunk (paused)' if it were on",
    ]
    segment = cli(
        "explain", "--resource", "proj/web:env/production:segment/beta-users", "--action", "updateName"
    )
    assert segment.code == 1


@pytest.mark.parametrize(
    ("resource", "action", "message"),
    [
        ("proj/web:env/production:flag/", "updateOn", "--resource"),
        ("proj/web:flag/checkout", "updateOn", "scoped under"),
        ("proj/web:env/production:flags/checkout", "updateOn", "did you mean flag"),
        ("proj/web:env/production:flag/*", "updateOn", "glob"),
        ("proj/web:env/production:flag/checkout;beta*", "updateOn", "glob"),
        (PROD_FLAG, "updateOnn", "did you mean updateOn"),
        (PROD_FLAG, "update*", "glob"),
    ],
)
def test_explain_refuses_an_event_that_cannot_happen(
    cli: Callable[..., Ran], resource: str, action: str, message: str
) -> None:
    ran = cli("explain", "--resource", resource, "--action", action, "--json", token=None)
    assert ran.code == 2
    assert ran.out == ""
    assert message in ran.err


def test_explain_cannot_tell_without_a_token(cli: Callable[..., Ran]) -> None:
    ran = cli("explain", "--resource", PROD_FLAG, "--action", "updateOn", token=None)
    assert ran.code == 2 and "LAUNCHDARKLY_ACCESS_TOKEN" in ran.err


# -- the console entry point --------------------------------------------------------------------------


def _subprocess(account: Account, *args: str) -> Ran:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHDARKLY_")}
    env |= {"LAUNCHDARKLY_API_HOST": account.emulator.url, "LAUNCHDARKLY_ACCESS_TOKEN": TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_ld_auditsubs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    ran = Ran(done.returncode, done.stdout, done.stderr)
    ran.assert_no_secret()
    return ran


def test_as_a_ci_job_runs_them(account: Account) -> None:
    account.fail("datadog", account.datadog, 403, f"invalid key {DD_KEY}")
    account.event()
    health = _subprocess(account, "health", "--json", "--integration", "datadog")
    assert health.code == 1, health.err
    assert [entry["healthy"] for entry in health.json()["subscriptions"]] == [False]
    explain = _subprocess(account, "explain", "--resource", PROD_FLAG, "--action", "deleteFlag", "--json")
    assert explain.code == 0, explain.err
    assert [r["id"] for r in explain.json()["receivers"]] == [account.datadog, account.slack]

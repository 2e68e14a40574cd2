"""The lookups from a real program, through the local engine against the emulator.

They must work during preview (a Terraform data source is read during plan) and up, with the
credentials from stack config, send only GET requests, keep the config a secret, and fail clearly
when the subscription does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine

from .support import DATADOG_API_KEY, PASSPHRASE, TOKEN, seed

PROGRAM = Path(__file__).parent / "program"
MISSING_ID = "0123456789abcdef01234567"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        seed(running.url)
        running.clear_requests()
        yield running


def engine(emulator: Emulator, tmp_path: Path, **config: str) -> LocalEngine:
    return LocalEngine(
        PROGRAM,
        "dev",
        state_dir=tmp_path / "state",
        config={"launchdarkly:apiHost": emulator.url, "launchdarkly:accessToken": TOKEN, **config},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )


def outputs(stdout: str) -> dict[str, object]:
    """The ``Outputs:`` block the local engine prints (``    name: <JSON or [secret]>`` lines)."""
    block = stdout.split("Outputs:", 1)[1].split("\nResources:", 1)[0]
    shown: dict[str, object] = {}
    for line in block.strip().splitlines():
        key, _, text = line.strip().partition(": ")
        shown[key] = text if text in ("[secret]", "[unknown]") else json.loads(text)
    return shown


def test_lookups_read_during_preview_and_up_and_keep_config_secret(
    emulator: Emulator, tmp_path: Path
) -> None:
    datadog = next(s for s in emulator.subscriptions("datadog"))
    local = engine(emulator, tmp_path)
    emulator.clear_requests()

    preview = local.preview()

    assert preview.returncode == 0, preview.output
    assert {r.method for r in emulator.requests} == {"GET"}
    emulator.clear_requests()

    up = local.up()

    assert up.returncode == 0, up.output
    shown = outputs(up.stdout)
    assert shown["complianceNames"] == ["Production audit log to Datadog", "Everything to Splunk"]
    assert shown["foundId"] == f"datadog/{datadog['_id']}"
    assert shown["foundOn"] is True
    assert shown["foundTags"] == ["compliance", "production"]
    assert shown["foundStatementEffects"] == ["allow"]
    assert shown["foundConfig"] == "[secret]"
    assert shown["foundHost"] == "[secret]"  # derived from a secret, so still one
    assert shown["copyStatements"] == [
        {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
    ]
    assert DATADOG_API_KEY not in up.output
    writes = [(r.method, r.path) for r in emulator.requests if r.method != "GET"]
    assert writes == [("POST", "/api/v2/integrations/msteams")]  # the copy; lookups never write
    [copy] = [s for s in emulator.subscriptions("msteams") if s["name"].startswith("Copy of")]
    assert copy["name"] == "Copy of Production audit log to Datadog"
    assert copy["statements"] == datadog["statements"]
    assert DATADOG_API_KEY not in local.state_file.read_text()


def test_a_missing_subscription_is_a_clear_error(emulator: Emulator, tmp_path: Path) -> None:
    """With the credentials in the environment this time (the stack config has none)."""
    local = LocalEngine(
        PROGRAM,
        "dev",
        state_dir=tmp_path / "state",
        config={"missingId": MISSING_ID},
        env={
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "LAUNCHDARKLY_API_HOST": emulator.url,
            "LAUNCHDARKLY_ACCESS_TOKEN": TOKEN,
        },
    )

    preview = local.preview()

    assert preview.returncode == 1
    assert (
        f"get_audit_log_subscription: LaunchDarkly ({emulator.url}) has no 'datadog' audit log "
        f"subscription with id '{MISSING_ID}'" in preview.stderr
    )
    # 20 lists (every catalog integration), the datadog list, the get, the missing get
    assert [r.method for r in emulator.requests] == ["GET"] * 23
    assert TOKEN not in preview.output


def test_a_misspelled_host_key_is_refused_not_replaced_by_the_default(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The lookups read the whole stack config, as the provider's Check does: no silent default host."""
    local = LocalEngine(
        PROGRAM,
        "dev",
        state_dir=tmp_path / "state",
        config={"launchdarkly:apihost": emulator.url, "launchdarkly:accessToken": TOKEN},
        env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )

    preview = local.preview()

    assert preview.returncode == 1
    assert "cannot look audit log subscriptions up" in preview.stderr
    assert (
        "`launchdarkly:apihost`" in preview.stderr
        and "did you mean `launchdarkly:apiHost`?" in preview.stderr
    )
    assert emulator.requests == [] and TOKEN not in preview.output

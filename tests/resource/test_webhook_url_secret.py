"""A webhook URL is a credential: it never reaches local-engine state in plain text (issue 9)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator, LocalEngine

TOKEN = "api-webhook-state-7c1e0b"
WEBHOOK = "https://hooks.slack.com/services/T0A1B2C3D/B0E1F2G3H/q8Zr4kWcredentialPart"
"""The part after /services/ is what lets anyone post to the channel."""
CREDENTIAL = "q8Zr4kWcredentialPart"
# The URL is written in the program itself, as a plain string: the library alone must make it secret.
PROGRAM = f'''
from pulumi_ld_auditsubs import AuditLogSubscription, Statement

AuditLogSubscription(
    "slack",
    integration_key="slack",
    name="Flag changes to Slack",
    config={{"url": "{WEBHOOK}"}},
    statements=[Statement(effect="allow", actions=["*"], resources=["proj/*:env/production:flag/*"])],
)
'''


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


def test_slack_webhook_url_is_never_plain_in_state(emulator: Emulator, tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: webhook-secret\nruntime: python\n")
    (program / "__main__.py").write_text(PROGRAM)
    state_dir = tmp_path / "state"
    engine = LocalEngine(
        program,
        "dev",
        state_dir=state_dir,
        config={
            "launchdarkly:apiHost": emulator.url,
            "launchdarkly:accessToken": TOKEN,
        },
        env={"PULUMI_CONFIG_PASSPHRASE": "webhook-state-passphrase"},
    )

    for operation in ("up", "refresh"):
        result = engine.run(operation)
        assert result.ok, result.output
        assert CREDENTIAL not in result.output
        state_text = "".join(path.read_text() for path in state_dir.rglob("*") if path.is_file())
        assert engine.state_file.is_file()
        assert CREDENTIAL not in state_text, f"the webhook URL is in plain text in state after {operation}"

    # It did reach LaunchDarkly (the emulator), so the test is not vacuous.
    [stored] = emulator.subscriptions("slack")
    assert stored["config"]["url"] == WEBHOOK
    assert engine.run("destroy").ok

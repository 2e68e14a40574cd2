"""The native plugin through the real Pulumi CLI: ``pulumi package add`` of this checkout, then preview.

A TypeScript project is made in a temporary directory; ``pulumi package add <checkout>`` runs the
plugin from source (``PulumiPlugin.yaml``), reads its schema and generates the SDK; the program
declares one subscription through the default provider, configured with ``ld-auditsubs:`` stack
config at the emulator; ``pulumi preview`` checks it and sends nothing; ``pulumi up`` creates it with
one POST and its state holds no plain token or secret. Skipped when the CLI (or node) is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator

from .stacks import TOKEN
from .test_real_cli import Cli

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(shutil.which("pulumi") is None, reason="pulumi CLI not on PATH"),
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm not on PATH"),
]
API_KEY = "dd-api-key-from-the-cli-test-0123"
PROGRAM = """\
import * as pulumi from "@pulumi/pulumi";
import * as ldaudit from "@pulumi-ld-auditsubs/native";

const config = new pulumi.Config();
export const subscriptionId = new ldaudit.AuditLogSubscription("datadog", {
    integrationKey: "datadog",
    name: "From TypeScript",
    config: { apiKey: config.requireSecret("datadogApiKey"), hostURL: "https://api.datadoghq.eu" },
    statements: [{ effect: "allow", actions: ["*"], resources: ["proj/*:env/production:flag/*"] }],
}).subscriptionId;
"""


def test_package_add_then_preview_and_up(tmp_path: Path) -> None:
    program_dir = tmp_path / "ts"
    program_dir.mkdir()
    (program_dir / "Pulumi.yaml").write_text("name: ts-audit\nruntime: nodejs\n")
    (program_dir / "index.ts").write_text(PROGRAM)
    (program_dir / "package.json").write_text(
        json.dumps({"name": "ts-audit", "main": "index.ts", "dependencies": {"@pulumi/pulumi": "^3"}})
    )
    subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=program_dir, check=True, timeout=600)
    with Emulator(tokens=(TOKEN,)) as emulator:
        pulumi = Cli(program_dir, tmp_path / "backend", "dev")
        pulumi("stack", "init", "dev", "--secrets-provider", "passphrase", stack=False)
        pulumi("package", "add", str(ROOT))
        pulumi.set_config("ld-auditsubs:apiHost", emulator.url)
        pulumi.set_config("ld-auditsubs:accessToken", TOKEN, secret=True)
        pulumi.set_config("datadogApiKey", API_KEY, secret=True)
        emulator.clear_requests()
        pulumi("preview")
        assert emulator.requests == []
        pulumi("up", "--yes", "--skip-preview")
        assert [(r.method, r.path) for r in emulator.requests] == [("POST", "/api/v2/integrations/datadog")]
        state = pulumi("stack", "export").stdout
        assert TOKEN not in state and API_KEY not in state
        pulumi("destroy", "--yes", "--skip-preview")

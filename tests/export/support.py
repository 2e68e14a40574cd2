"""Helpers for the export tests: an account made by hand, and the export command as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from pulumi_ld_auditsubs.rules.catalog import Catalog, FormVariable, Integration, load_catalog

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "export-existing" / "seed.py"
TOKEN = "api-export-tests-3f1c7a"
PASSPHRASE = "export-tests-passphrase"
UNKNOWN_KEY = "acme-audit"
"""An integration LaunchDarkly "added later": the emulator knows it, the provider's catalog does not."""

SEED_SECRETS = {"datadog": "dd-throwaway-api-key-0001", "splunk": "splunk-throwaway-hec-token"}
"""The plaintext secrets ``seed.py`` stores (throwaway values)."""


def catalog_with_unknown_integration() -> Catalog:
    """The bundled catalog plus one integration the provider does not know."""
    acme = Integration(
        key=UNKNOWN_KEY,
        name="Acme Audit",
        form_variables=(
            FormVariable(key="endpoint", type="uri"),
            FormVariable(key="apiToken", type="string", is_secret=True),
        ),
    )
    return Catalog({**dict(load_catalog()), UNKNOWN_KEY: acme})


def api(base_url: str, method: str, path: str, body: Any = None) -> requests.Response:
    """One request made "by hand", as LaunchDarkly's UI would."""
    response = requests.request(
        method,
        f"{base_url}/api/v2/integrations/{path}",
        json=body,
        headers={"Authorization": TOKEN},
        timeout=10,
    )
    response.raise_for_status()
    return response


def seed(base_url: str) -> None:
    """Run the example's seed script against the emulator, as its README says."""
    env = {**os.environ, "LAUNCHDARKLY_API_HOST": base_url, "LAUNCHDARKLY_ACCESS_TOKEN": TOKEN}
    subprocess.run([sys.executable, str(SEED)], env=env, check=True, capture_output=True, timeout=60)


def export(base_url: str | None, *args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    """``pulumi-ld-auditsubs export ARGS`` with the credentials in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHDARKLY_")}
    if base_url is not None:
        env["LAUNCHDARKLY_API_HOST"] = base_url
    if token is not None:
        env["LAUNCHDARKLY_ACCESS_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "pulumi_ld_auditsubs", "export", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

"""The account the lookup program reads: the export example's hand-made subscriptions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "examples" / "export-existing" / "seed.py"
TOKEN = "api-lookup-tests-91d2"
PASSPHRASE = "lookup-tests-passphrase"
DATADOG_API_KEY = "dd-throwaway-api-key-0001"
"""The plaintext secret ``seed.py`` stores for Datadog."""


def seed(base_url: str) -> None:
    """Make the subscriptions "by hand" with the example's seed script."""
    env = {**os.environ, "LAUNCHDARKLY_API_HOST": base_url, "LAUNCHDARKLY_ACCESS_TOKEN": TOKEN}
    subprocess.run([sys.executable, str(SEED)], env=env, check=True, capture_output=True, timeout=60)

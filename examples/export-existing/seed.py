"""Make a few audit log subscriptions "by hand", as someone would in LaunchDarkly's UI.

Runs against the host and token in LAUNCHDARKLY_API_HOST / LAUNCHDARKLY_ACCESS_TOKEN (the emulator:
``pulumi-ld-auditsubs emulator --port 8080`` and ``api-emulator``), so that
``pulumi-ld-auditsubs export`` has an account to export. The secrets are throwaway values.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import requests

PRODUCTION_FLAGS = {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}

HAND_MADE: list[tuple[str, dict[str, Any]]] = [
    (
        "datadog",
        {
            "name": "Production audit log to Datadog",
            "config": {"apiKey": "dd-throwaway-api-key-0001", "hostURL": "https://api.datadoghq.eu"},
            "statements": [PRODUCTION_FLAGS],
            "on": True,
            "tags": ["compliance", "production"],
        },
    ),
    (
        "splunk",
        {
            "name": "Everything to Splunk",
            "config": {
                "base-url": "https://splunk.example.com:8088",
                "token": "splunk-throwaway-hec-token",
                "skip-ca-verification": False,
            },
            "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
            "on": True,
            "tags": ["compliance"],
        },
    ),
    (
        "msteams",
        {
            "name": "Flag changes to the release channel",
            "config": {"url": "https://example.webhook.office.com/webhookb2/release-channel"},
            "statements": [
                {
                    "effect": "allow",
                    "actions": ["updateOn", "updateRules"],
                    "resources": ["proj/*:env/production:flag/*"],
                },
                {"effect": "deny", "notActions": ["*"], "resources": ["proj/sandbox:env/*:flag/*"]},
            ],
            "on": False,
            "tags": [],
        },
    ),
]


def main() -> int:
    host = os.environ.get("LAUNCHDARKLY_API_HOST", "http://127.0.0.1:8080").rstrip("/")
    token = os.environ.get("LAUNCHDARKLY_ACCESS_TOKEN", "api-emulator")
    for integration_key, body in HAND_MADE:
        response = requests.post(
            f"{host}/api/v2/integrations/{integration_key}",
            json=body,
            headers={"Authorization": token, "LD-API-Version": "20240415"},
            timeout=10,
        )
        if response.status_code != 201:
            print(
                f"error: POST {integration_key}: HTTP {response.status_code} {response.text}", file=sys.stderr
            )
            return 1
        print(f"made {integration_key}/{response.json()['_id']}: {body['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

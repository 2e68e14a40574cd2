"""Hand-written corrections to the generated catalog, kept apart from the generated data.

LaunchDarkly's manifests mark a field secret only when its API masks the value. A webhook URL is not
masked, yet it is a bearer credential: anyone holding it can post to the channel. These fields are
Pulumi secrets by default (wrapped in the program's inputs, so no state file holds one in plain
text), while the API and the emulator keep returning them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

CREDENTIAL_URLS: Mapping[str, Mapping[str, str]] = {
    "slack": {"url": "a Slack incoming-webhook URL carries the token that lets anyone post"},
    "msteams": {"url": "a Teams incoming-webhook URL carries the signature that lets anyone post"},
    "mattermost": {"url": "a Mattermost incoming-webhook URL carries the key that lets anyone post"},
    "jira": {
        "url": "a Jira (Forge) web-trigger URL is unguessable and authorizes whoever calls it",
        "issueCreateUrl": "a Jira (Forge) web-trigger URL is unguessable and authorizes whoever calls it",
        "jiraMetaUrl": "a Jira (Forge) web-trigger URL is unguessable and authorizes whoever calls it",
    },
}
"""integration key -> {config key -> why the value is a credential}: Pulumi secrets, never plain state."""

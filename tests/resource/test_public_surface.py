"""The names users bind to, and the package data the Python language host looks for."""

from __future__ import annotations

import json
from importlib import resources

import pulumi_ld_auditsubs
import pulumi_ld_auditsubs.testing
from pulumi_ld_auditsubs.resource import AuditLogSubscription


def test_exports_are_sorted_and_exist() -> None:
    for module in (pulumi_ld_auditsubs, pulumi_ld_auditsubs.testing):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)


def test_type_token() -> None:
    assert AuditLogSubscription._resource_type_name == "dynamic/launchdarkly:AuditLogSubscription"


def test_plugin_marker_stops_the_language_host_from_fetching_a_plugin() -> None:
    """Without it, `pulumi up` would try to download a `ld-auditsubs` resource plugin and fail."""
    marker = resources.files("pulumi_ld_auditsubs").joinpath("pulumi-plugin.json").read_text()
    assert json.loads(marker) == {"resource": False}
    assert resources.files("pulumi_ld_auditsubs").joinpath("py.typed").is_file()

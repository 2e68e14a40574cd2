"""Testing tools that need no LaunchDarkly account and no Pulumi CLI.

* :class:`Emulator`: a faithful local emulator of LaunchDarkly's audit-log-subscription endpoints.
"""

from pulumi_ld_auditsubs.testing.emulator import Emulator
from pulumi_ld_auditsubs.testing.engine import LocalEngine, LocalResult

__all__ = ["Emulator", "LocalEngine", "LocalResult"]

"""Errors of the local engine, each carrying the message the command line prints.

::

    EngineError
    ├── ConfigError        Pulumi.yaml / stack file / missing secure value
    ├── StateError         unreadable state file, wrong passphrase
    ├── ProviderError      a provider RPC failed (message = the provider's traceback or reason)
    │   └── CheckFailedError   Check returned failures (``property: reason`` lines)
    └── ProtectedError     a protected resource would be deleted or replaced
"""

from __future__ import annotations

from collections.abc import Sequence


class EngineError(Exception):
    """Base class: an operation of the local engine failed."""


class ConfigError(EngineError):
    """The project, the stack file or the stack configuration is unusable."""


class StateError(EngineError):
    """The stack's state file cannot be read, decrypted or written."""


class ProviderError(EngineError):
    """A provider call failed; ``message`` is what the provider reported."""

    def __init__(self, *, method: str, urn: str, message: str) -> None:
        self.method = method
        self.urn = urn
        self.message = message.rstrip()
        parts = urn.split("::")
        subject = f"{parts[-2]} {parts[-1]}" if len(parts) >= 4 else urn
        super().__init__(f"{subject}: {method} failed:\n{self.message}")


class CheckFailedError(ProviderError):
    """The provider's ``check`` rejected the inputs."""

    def __init__(self, *, urn: str, failures: Sequence[tuple[str, str]]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"{prop}: {reason}" if prop else reason for prop, reason in self.failures)
        super().__init__(method="Check", urn=urn, message=lines)


class ProtectedError(EngineError):
    """A protected resource would have to be deleted or replaced."""

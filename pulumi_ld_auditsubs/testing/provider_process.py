"""The provider in its own process, driven one RPC at a time as the Pulumi engine drives it.

:class:`EngineDrivenProvider` is a thin layer over the local engine's own host
(:class:`~pulumi_ld_auditsubs.testing.engine.provider_host.DynamicProviderHost`): the same
``python -u -m pulumi.dynamic`` process, port line, Configure (the whole stack config, secret
values wrapped) and request shapes. What it adds is what a program would have supplied: the
``__provider`` value that an ``AuditLogSubscription`` puts in its inputs, and URNs built from
resource names. Tests and benchmarks drive the provider with it, without a program or an engine
run; a failed call raises the ``grpc.RpcError`` itself, whose ``details()`` is what the engine
would print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2

from pulumi_ld_auditsubs.provider import AuditLogSubscriptionProvider
from pulumi_ld_auditsubs.testing.engine.provider_host import DynamicProviderHost
from pulumi_ld_auditsubs.testing.engine.values import PROVIDER_KEY, wrap_secret

PROJECT = "ldtest"
STACK = "dev"
TYPE_TOKEN = "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"
ENV_PREFIX = "LAUNCHDARKLY_"
"""Variables with this prefix are not inherited: a test's environment never chooses the token or host."""


def provider_blob(provider: ResourceProvider | None = None) -> str:
    """The ``__provider`` value a program's resource puts in its inputs (by default this library's)."""
    value, _ = _serialize(True, serialize_provider, provider or AuditLogSubscriptionProvider())
    return str(value)


def urn(name: str) -> str:
    """The URN of the subscription resource ``name`` in this module's project and stack."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{TYPE_TOKEN}::{name}"


def datadog_inputs(**overrides: Any) -> dict[str, Any]:
    """Program inputs of a typical Datadog subscription, as the resource class sends them."""
    props: dict[str, Any] = {
        "integrationKey": "datadog",
        "name": "Production audit log to Datadog",
        "config": {"apiKey": "dd-api-key-1234567890", "hostURL": "https://api.datadoghq.eu"},
        "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}],
        "on": True,
        "tags": ["managed-by-pulumi", "team-platform"],
    }
    props.update(overrides)
    return props


@dataclass
class Created:
    """What Create answered."""

    id: str
    outputs: dict[str, Any]


class EngineDrivenProvider:
    """One provider plugin process, as the engine runs it for one ``pulumi up``.

    ``config`` is the stack config (``secret_keys`` are sent wrapped as secrets), ``env`` extra
    environment variables for the process (the ``LAUNCHDARKLY_*`` ones of this process are not
    inherited), ``provider`` the dynamic provider whose ``__provider`` value is sent (this
    library's by default). The process starts here; :meth:`close` stops it and returns what it
    wrote. Property maps go in without ``__provider``; answers come back with it.
    """

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        secret_keys: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        provider: ResourceProvider | None = None,
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        environment.update(env or {})
        self.host = DynamicProviderHost(
            project=PROJECT,
            stack=STACK,
            directory=cwd,
            config={k: wrap_secret(v) if k in secret_keys else v for k, v in config.items()},
            environment=environment,
            capture_output=True,
            raise_rpc_errors=True,
        )
        self.blob = provider_blob(provider)
        self.host.stub()  # start and configure now, as the engine does before the first step

    def close(self) -> str:
        """Stop the process; returns what it wrote on stderr (for leak assertions)."""
        return self.host.close()

    def peak_rss_mib(self) -> float:
        """The provider process's peak resident memory so far (``VmHWM`` of ``/proc/<pid>/status``).

        Linux only; read it before :meth:`close`, while the process is alive.
        """
        process = self.host._process  # the host does not expose its process; the pid is all we read
        if process is None:
            raise RuntimeError("the provider process has not started")
        status = Path(f"/proc/{process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024  # kB

    def with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """``props`` with the ``__provider`` value added, as the program sends them."""
        return {**props, PROVIDER_KEY: self.blob}

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, name: str = "sub"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The checked inputs and the failures as ``(property, reason)``."""
        outcome = self.host.check(
            urn(name), self.with_provider(olds) if olds else {}, self.with_provider(news)
        )
        return outcome.inputs, outcome.failures

    def checked(self, news: Mapping[str, Any], name: str = "sub") -> dict[str, Any]:
        """The checked inputs, asserting that Check found no failure."""
        inputs, failures = self.check(news, name=name)
        assert failures == [], failures
        return inputs

    def diff(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "sub"
    ) -> provider_pb2.DiffResponse:
        """The ``DiffResponse`` as the provider sent it."""
        request = self.host.diff_request(
            urn(name), id_, self.with_provider(olds), self.with_provider(news), {}, ()
        )
        response: provider_pb2.DiffResponse = self.host.call("Diff", request, urn(name))
        return response

    def create(self, inputs: Mapping[str, Any], name: str = "sub") -> Created:
        id_, outputs = self.host.create(urn(name), self.with_provider(inputs))
        return Created(id_, outputs)

    def update(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "sub"
    ) -> dict[str, Any]:
        return self.host.update(urn(name), id_, self.with_provider(olds), self.with_provider(news), {}, ())

    def read(
        self, id_: str, outputs: Mapping[str, Any], inputs: Mapping[str, Any], name: str = "sub"
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """``(id, outputs, inputs)``; the inputs are ``{}`` when the provider returned none."""
        outcome = self.host.read(urn(name), id_, self.with_provider(outputs), self.with_provider(inputs))
        return outcome.id, outcome.outputs, outcome.inputs or {}

    def delete(self, id_: str, outputs: Mapping[str, Any], name: str = "sub") -> None:
        self.host.delete(urn(name), id_, self.with_provider(outputs), {})

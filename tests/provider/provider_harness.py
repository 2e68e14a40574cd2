"""Drive the provider exactly as the Pulumi engine does: ``python -m pulumi.dynamic`` over gRPC.

The engine starts the dynamic-provider plugin, reads its port from the first stdout line, calls
Configure with the whole stack config (secret values wrapped), then Check/Diff/Create/Read/Update/
Delete with properties serialized by the SDK's own serializer, ``__provider`` included, and secrets
stripped to plaintext (the servicer answers Configure with acceptSecrets=False).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2 as pb
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_ld_auditsubs.provider import AuditLogSubscriptionProvider

PROJECT = "ldtest"
TYPE_TOKEN = "pulumi-python:dynamic/launchdarkly:AuditLogSubscription"
UNKNOWN = rpc.UNKNOWN
TOKEN = "api-provider-tests-0123456789"


def provider_blob() -> str:
    """The ``__provider`` value a program's ``AuditLogSubscription`` puts in its inputs."""
    value, _ = _serialize(True, serialize_provider, AuditLogSubscriptionProvider())
    return str(value)


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True) or {})


def urn(name: str) -> str:
    return f"urn:pulumi:dev::{PROJECT}::{TYPE_TOKEN}::{name}"


@dataclass
class Created:
    id: str
    outputs: dict[str, Any]


class EngineDrivenProvider:
    """One provider plugin process, as the engine runs it for one `pulumi up`."""

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        secret_keys: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHDARKLY_")}
        child_env.update({"PULUMI_PROJECT": PROJECT, **(env or {})})
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env,
            cwd=cwd,
            text=True,
        )
        assert self.process.stdout is not None
        port = int(self.process.stdout.readline())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        args = {k: rpc.wrap_rpc_secret(v) if k in secret_keys else v for k, v in config.items()}
        self.stub.Configure(
            pb.ConfigureRequest(acceptSecrets=True, acceptResources=True, args=to_struct(args))
        )
        self.blob = provider_blob()

    def close(self) -> str:
        """Stop the process; returns what it wrote on stderr (for leak assertions)."""
        self.channel.close()
        self.process.terminate()
        _, stderr = self.process.communicate(timeout=10)
        return stderr

    def _with_provider(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct({**props, "__provider": self.blob})

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, name: str = "sub"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self.stub.Check(
            pb.CheckRequest(
                urn=urn(name),
                olds=self._with_provider(olds) if olds else struct_pb2.Struct(),
                news=self._with_provider(news),
            )
        )
        return from_struct(response.inputs), [(f.property, f.reason) for f in response.failures]

    def checked(self, news: Mapping[str, Any], name: str = "sub") -> dict[str, Any]:
        inputs, failures = self.check(news, name=name)
        assert failures == [], failures
        return inputs

    def diff(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "sub"
    ) -> pb.DiffResponse:
        response: pb.DiffResponse = self.stub.Diff(
            pb.DiffRequest(
                id=id_, urn=urn(name), olds=self._with_provider(olds), news=self._with_provider(news)
            )
        )
        return response

    def create(self, inputs: Mapping[str, Any], name: str = "sub") -> Created:
        response = self.stub.Create(pb.CreateRequest(urn=urn(name), properties=self._with_provider(inputs)))
        return Created(response.id, from_struct(response.properties))

    def update(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "sub"
    ) -> dict[str, Any]:
        response = self.stub.Update(
            pb.UpdateRequest(
                id=id_, urn=urn(name), olds=self._with_provider(olds), news=self._with_provider(news)
            )
        )
        return from_struct(response.properties)

    def read(
        self, id_: str, outputs: Mapping[str, Any], inputs: Mapping[str, Any], name: str = "sub"
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        response = self.stub.Read(
            pb.ReadRequest(
                id=id_,
                urn=urn(name),
                properties=self._with_provider(outputs),
                inputs=self._with_provider(inputs),
            )
        )
        return response.id, from_struct(response.properties), from_struct(response.inputs)

    def delete(self, id_: str, outputs: Mapping[str, Any], name: str = "sub") -> None:
        self.stub.Delete(pb.DeleteRequest(id=id_, urn=urn(name), properties=self._with_provider(outputs)))


def strip_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


def datadog(**overrides: Any) -> dict[str, Any]:
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


def calls(emulator: Any) -> list[tuple[str, str]]:
    """The (method, path) of every request the emulator received since the log was cleared."""
    return [(r.method, r.path) for r in emulator.requests]

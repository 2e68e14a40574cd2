"""The native plugin in its own process, driven the way the Pulumi engine drives a provider plugin.

:class:`PluginProcess` starts ``python -m pulumi.run.plugin pulumi-ld-auditsubs <engine address>``
as the CLI runs a ``runtime: python`` source plugin (``RunPlugin`` in
``sdk/python/cmd/pulumi-language-python/main.go``; cwd = the program's directory), serves the
``pulumirpc.Engine`` service it logs to (:class:`EngineLogServer`, which keeps every line), reads the
port from the first stdout line, and sends requests as ``pkg/resource/plugin/provider_plugin.go``
builds them for a provider that accepts secrets: property maps as engine values
(:mod:`.engine.values`: secrets wrapped, unknowns marked) with ``keepSecrets``-style secret values
on the wire. Used by the plugin's protocol tests, the local engine and the benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from pulumi_ld_auditsubs.testing.engine.interrupts import ignoring_sigint
from pulumi_ld_auditsubs.testing.engine.provider_host import CHANNEL_OPTIONS
from pulumi_ld_auditsubs.testing.engine.values import from_struct, reveal, to_struct

PACKAGE = "ld-auditsubs"
RESOURCE_TYPE = "ld-auditsubs:index:AuditLogSubscription"
STARTUP_TIMEOUT_S = 60.0


def resource_urn(name: str, *, stack: str = "dev", project: str = "plugin-test") -> str:
    return f"urn:pulumi:{stack}::{project}::{RESOURCE_TYPE}::{name}"


def provider_urn(name: str = "default", *, stack: str = "dev", project: str = "plugin-test") -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:{PACKAGE}::{name}"


class EngineLogServer(engine_pb2_grpc.EngineServicer):
    """The engine's Log service: keeps each ``(severity, message)`` a plugin sends.

    ``on_log(severity, message)`` also sees each line as it arrives (the local engine prints them as
    the CLI shows diagnostics). The root resource a program sets is kept and answered, as the
    engine's ``SetRootResource``/``GetRootResource`` do (the Node.js SDK parents its resources on it).
    """

    def __init__(self, on_log: Callable[[str, str], None] | None = None) -> None:
        self.lines: list[tuple[str, str]] = []
        self.root_resource = ""
        self._on_log = on_log
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        with self._lock:
            self.lines.append((severity, request.message))
        if self._on_log is not None:
            self._on_log(severity, request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> engine_pb2.GetRootResourceResponse:
        with self._lock:
            return engine_pb2.GetRootResourceResponse(urn=self.root_resource)

    def SetRootResource(
        self, request: engine_pb2.SetRootResourceRequest, context: Any
    ) -> engine_pb2.SetRootResourceResponse:
        with self._lock:
            self.root_resource = request.urn
        return engine_pb2.SetRootResourceResponse()

    def text(self) -> str:
        with self._lock:
            return "\n".join(f"{severity}: {message}" for severity, message in self.lines)

    def stop(self) -> None:
        self._server.stop(grace=None)


def _variable(value: Any) -> str:
    """A config value as the deprecated ``variables`` carry it: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Go's json.Marshal writes 30, not 30.0
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class Checked:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)


class PluginProcess:
    """One plugin process: one provider (the engine starts one per default or explicit provider).

    By default the process gets its own :class:`EngineLogServer`, this environment without
    ``LAUNCHDARKLY_*`` (tests say what they mean) and a captured stderr. The local engine passes its
    one ``engine`` server (stopped by its owner, not by :meth:`close`), the full ``environment``
    the CLI would pass (the default provider falls back to ``LAUNCHDARKLY_*``) and
    ``capture_stderr=False``, so the plugin's stderr reaches the user as under the CLI, and
    ``ignore_sigint=True``: the terminal's ^C is the engine's to handle (the CLI starts plugins in
    a process group of their own), never a reason for the plugin to stop mid-create.
    """

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        engine: EngineLogServer | None = None,
        environment: Mapping[str, str] | None = None,
        capture_stderr: bool = True,
        ignore_sigint: bool = False,
    ) -> None:
        self._owns_engine = engine is None
        self.engine = engine or EngineLogServer()
        if environment is None:
            environment = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHDARKLY_")}
        environment = {**environment, **(env or {})}
        command = [sys.executable, "-m", "pulumi.run.plugin", "pulumi-ld-auditsubs", self.engine.address]
        self.process = subprocess.Popen(
            ignoring_sigint(command) if ignore_sigint else command,
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if capture_stderr else None,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        if not first.isdigit():
            self.process.kill()
            stderr = self.process.stderr.read() if self.process.stderr is not None else ""
            raise RuntimeError(f"the plugin did not print its port: {first!r} {stderr!r}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{first}", options=CHANNEL_OPTIONS)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def kill(self) -> None:
        """Stop the plugin at once (what it was doing is abandoned)."""
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> str:
        """Stop the plugin; returns its stderr (for leak assertions)."""
        self.channel.close()
        self.process.terminate()
        try:
            _, stderr = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        if self._owns_engine:
            self.engine.stop()
        return stderr or ""

    def __enter__(self) -> PluginProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- provider configuration, as provider_plugin.go sends it -------------------------------------

    def configure(
        self,
        config: Mapping[str, Any],
        *,
        urn: str | None = None,
        variables: bool = True,
        id_: str | None = None,
    ) -> None:
        """``Configure`` with ``args`` (secrets kept) and, unless told not, the deprecated ``variables``.

        As ``Configure`` in ``pkg/resource/plugin/provider_plugin.go``: ``variables`` are keyed
        ``<pkg>:config:<key>``, strings as they are and other values as JSON, secrets revealed,
        ``version`` left out.
        """
        request = provider_pb2.ConfigureRequest(
            args=to_struct(config),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            urn=urn or provider_urn(),
            name=(urn or provider_urn()).rsplit("::", 1)[-1],
            type=f"pulumi:providers:{PACKAGE}",
        )
        if id_ is not None:
            request.id = id_
        if variables:
            for key, value in config.items():
                if key == "version":
                    continue
                request.variables[f"{PACKAGE}:config:{key}"] = _variable(reveal(value))
        response = self.stub.Configure(request)
        assert response.acceptSecrets and response.supportsPreview

    def check_config(self, news: Mapping[str, Any], *, urn: str | None = None) -> Checked:
        response = self.stub.CheckConfig(
            provider_pb2.CheckRequest(urn=urn or provider_urn(), olds=to_struct({}), news=to_struct(news))
        )
        return Checked(from_struct(response.inputs), [(f.property, f.reason) for f in response.failures])

    # -- the resource ------------------------------------------------------------------------------

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, name: str = "sub"
    ) -> Checked:
        response = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=resource_urn(name), olds=to_struct(olds or {}), news=to_struct(news)
            )
        )
        return Checked(from_struct(response.inputs), [(f.property, f.reason) for f in response.failures])

    def diff(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "sub"
    ) -> provider_pb2.DiffResponse:
        response: provider_pb2.DiffResponse = self.stub.Diff(
            provider_pb2.DiffRequest(
                urn=resource_urn(name), id=id_, olds=to_struct(olds), news=to_struct(news)
            )
        )
        return response

    def create(
        self, props: Mapping[str, Any], *, preview: bool = False, name: str = "sub"
    ) -> tuple[str, dict[str, Any]]:
        response = self.stub.Create(
            provider_pb2.CreateRequest(urn=resource_urn(name), properties=to_struct(props), preview=preview)
        )
        return response.id, from_struct(response.properties)

    def update(
        self,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        preview: bool = False,
        name: str = "sub",
    ) -> dict[str, Any]:
        response = self.stub.Update(
            provider_pb2.UpdateRequest(
                urn=resource_urn(name),
                id=id_,
                olds=to_struct(olds),
                news=to_struct(news),
                preview=preview,
            )
        )
        return from_struct(response.properties)

    def read(
        self,
        id_: str,
        props: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        name: str = "sub",
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """``(id, outputs, inputs)``; an ID and nothing else is what ``pulumi import`` sends."""
        response = self.stub.Read(
            provider_pb2.ReadRequest(
                urn=resource_urn(name),
                id=id_,
                properties=to_struct(props or {}),
                inputs=to_struct(inputs or {}),
            )
        )
        return response.id, from_struct(response.properties), from_struct(response.inputs)

    def delete(self, id_: str, props: Mapping[str, Any], name: str = "sub") -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(urn=resource_urn(name), id=id_, properties=to_struct(props))
        )

    def invoke(self, token: str, args: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=to_struct(args)))
        return from_struct(getattr(response, "return")), [(f.property, f.reason) for f in response.failures]

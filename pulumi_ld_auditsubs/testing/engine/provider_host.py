"""Provider clients: the real ``python -u -m pulumi.dynamic`` process over gRPC, and an echo provider.

:class:`DynamicProviderHost` is the one host of the provider process: the local engine, the
provider tests and the benchmarks all drive it (the last two through
:class:`pulumi_ld_auditsubs.testing.provider_process.EngineDrivenProvider`). It launches the
dynamic-provider plugin the way the Pulumi engine does
(cwd = project directory, ``PULUMI_PROJECT`` and ``PULUMI_RUNTIME_*`` in the environment, the
first stdout line is the port, the terminal's ^C kept from it: :mod:`.interrupts`), calls
``Configure`` with the full namespaced stack config (secret values wrapped: for the
dynamic-provider packages the engine passes every key of every namespace, ``launchdarkly:*`` and
``ld-auditsubs:*`` alike, keeping the namespace, ``Target.GetPackageConfig`` in
``pkg/resource/deploy/target.go``), and then speaks the ``ResourceProvider`` service.
Property maps go in and come out as engine values (:mod:`.values`): requests are sent in plain
text because the servicer answers ``acceptSecrets=False``; secret wrappers a provider returns in
its outputs are kept. Each RPC's request is built by a public ``*_request`` method, so a caller
that must keep request building out of a measurement (the benchmarks) sends the engine's exact
requests through :meth:`DynamicProviderHost.stub`.

:class:`EchoProvider` stands in for every non-dynamic resource type: it accepts its inputs and
returns them as outputs, as Pulumi's mocks do.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_ld_auditsubs.testing.engine.errors import EngineError, ProviderError
from pulumi_ld_auditsubs.testing.engine.interrupts import ignoring_sigint
from pulumi_ld_auditsubs.testing.engine.values import from_struct, to_struct

DiffChanges = Literal["unknown", "none", "some"]
_CHANGES: dict[int, DiffChanges] = {
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}
STARTUP_TIMEOUT_S = 60.0
DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
MAX_METADATA_BYTES = 16 * 1024 * 1024
"""A provider's error comes back as the gRPC status message, a trailer. gRPC C-core (Python's grpc)
caps received metadata at 8 KiB by default and replaces a longer error with "received metadata size
exceeds soft limit"; the engine's Go client allows 16 MiB (grpc-go's default MaxHeaderListSize,
which ``pkg/resource/plugin/provider_plugin.go`` leaves as is), so do the same."""
CHANNEL_OPTIONS = [
    *_GRPC_CHANNEL_OPTIONS,
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
]


@dataclass(frozen=True)
class CheckOutcome:
    """Checked inputs and the provider's validation failures as ``(property, reason)``."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DiffOutcome:
    """What ``Diff`` answered."""

    changes: DiffChanges
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass(frozen=True)
class ReadOutcome:
    """What ``Read`` answered; an empty ``id`` means the resource is gone."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None


class ProviderClient(Protocol):
    """The provider operations the step logic needs (plain-text property maps in)."""

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome: ...

    def diff(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> DiffOutcome: ...

    def create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...

    def update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]: ...

    def read(self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]) -> ReadOutcome: ...

    def delete(self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]) -> None: ...


def _name_and_type(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[-1], parts[-2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


class EchoProvider:
    """Non-dynamic resources: inputs come back as outputs, the ID is ``<name>_id``."""

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        return CheckOutcome(inputs=dict(news))

    def diff(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> DiffOutcome:
        return DiffOutcome(changes="unknown")

    def create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return f"{_name_and_type(urn)[0]}_id", dict(props)

    def update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        return dict(news)

    def read(self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]) -> ReadOutcome:
        return ReadOutcome(id=id_, outputs=dict(props), inputs=None)

    def delete(self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]) -> None:
        return None


def _pump(source: IO[bytes], write: Callable[[str], object]) -> None:
    """Forward what the provider writes, line by line (stdout after the port line, as the CLI shows it)."""
    for line in iter(source.readline, b""):
        write(line.decode(errors="replace"))


def _write_through(sink: IO[str], text: str) -> None:
    sink.write(text)
    sink.flush()


class DynamicProviderHost:
    """One ``python -u -m pulumi.dynamic`` process for the whole operation.

    ``directory`` is the process's working directory (the project directory; None: this one) and
    ``environment`` the environment it starts from (None: this process's), to which the
    ``PULUMI_*`` variables are added. With ``capture_output`` what the process writes (stderr, and
    stdout after the port line) is kept and returned by :meth:`close` instead of being forwarded to
    this process's stderr. A failed RPC raises :class:`ProviderError`, as the engine reports it, or
    with ``raise_rpc_errors`` the ``grpc.RpcError`` itself (``details()`` is the provider's message).
    """

    def __init__(
        self,
        *,
        project: str,
        stack: str,
        directory: Path | None,
        config: Mapping[str, Any],
        runtime_options: Mapping[str, str] | None = None,
        python: str | None = None,
        environment: Mapping[str, str] | None = None,
        capture_output: bool = False,
        raise_rpc_errors: bool = False,
    ) -> None:
        self._project = project
        self._stack = stack
        self._directory = directory
        self._config = dict(config)
        self._runtime_options = dict(runtime_options or {})
        self._python = python or sys.executable or shutil.which("python3") or "python3"
        self._base_environment = None if environment is None else dict(environment)
        self._captured: list[str] | None = [] if capture_output else None
        self._raise_rpc_errors = raise_rpc_errors
        self._process: subprocess.Popen[bytes] | None = None
        self._pumps: list[threading.Thread] = []
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ if self._base_environment is None else self._base_environment)
        for option, value in self._runtime_options.items():
            env[f"PULUMI_RUNTIME_{option.upper()}"] = value
        env["PULUMI_PROJECT"] = self._project
        env["PULUMI_CONFIG"] = "{}"
        return env

    def _start(self) -> provider_pb2_grpc.ResourceProviderStub:
        process = subprocess.Popen(
            ignoring_sigint([self._python, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"]),
            cwd=self._directory,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None if self._captured is None else subprocess.PIPE,
        )
        self._process = process
        assert process.stdout is not None
        if process.stderr is not None:
            self._forward(process.stderr)
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(STARTUP_TIMEOUT_S)
        line = process.stdout.readline() if ready else b""
        try:
            port = int(line.strip())
            if not 0 < port < 65536:
                raise ValueError(port)
        except ValueError:
            self.close()
            raise EngineError(
                "the dynamic provider process (python -m pulumi.dynamic) did not report a port "
                f"(exit code {process.poll()}, first line {line[:200]!r})"
            ) from None
        self._forward(process.stdout)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS)
        self._channel = channel
        grpc.channel_ready_future(channel).result(timeout=STARTUP_TIMEOUT_S)
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        provider_urn = f"urn:pulumi:{self._stack}::{self._project}::pulumi:providers:pulumi-python::default"
        self._call(stub.GetPluginInfo, empty_pb2.Empty(), "GetPluginInfo", provider_urn)
        self._call(
            stub.Configure,
            provider_pb2.ConfigureRequest(
                args=to_struct(self._config),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, provider_urn)),
                urn=provider_urn,
                name="default",
                type="pulumi:providers:pulumi-python",
            ),
            "Configure",
            provider_urn,
        )
        return stub

    def _forward(self, source: IO[bytes]) -> None:
        captured = self._captured
        write = captured.append if captured is not None else partial(_write_through, sys.stderr)
        pump = threading.Thread(target=_pump, args=(source, write), daemon=True)
        pump.start()
        self._pumps.append(pump)

    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        """The connected stub, starting the process on first use."""
        with self._lock:
            if self._stub is None:
                self._stub = self._start()
            return self._stub

    @property
    def started(self) -> bool:
        """Whether the provider process was launched."""
        return self._process is not None

    def kill(self) -> None:
        """Stop the provider process at once (a second ^C: the operation in flight is abandoned)."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def close(self) -> str:
        """Stop the provider process (Cancel first, like the engine at shutdown).

        Returns what it wrote with ``capture_output`` (for leak assertions), else ``""``.
        """
        if self._stub is not None:
            with contextlib.suppress(grpc.RpcError):
                self._stub.Cancel(empty_pb2.Empty(), timeout=5)
        if self._channel is not None:
            self._channel.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stub = self._channel = None
        for pump in self._pumps:
            pump.join(timeout=5)  # the pipes end with the process
        self._pumps = []
        if self._process is not None:
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()
        return "" if self._captured is None else "".join(self._captured)

    # -- RPCs -------------------------------------------------------------------------------------

    def _call(self, method: Any, request: Any, name: str, urn: str) -> Any:
        try:
            return method(request)
        except grpc.RpcError as exc:
            if self._raise_rpc_errors:
                raise
            details = exc.details() if hasattr(exc, "details") else str(exc)
            raise ProviderError(method=name, urn=urn, message=str(details or exc)) from None

    def call(self, method: str, request: Any, urn: str) -> Any:
        """Send ``request`` to the RPC named ``method`` (``"Diff"``...) and return its raw response."""
        return self._call(getattr(self.stub(), method), request, method, urn)

    # Requests, as the engine builds them.

    def check_request(
        self, urn: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> provider_pb2.CheckRequest:
        """The ``CheckRequest`` the engine sends (a fresh random seed each time)."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.CheckRequest(
            urn=urn,
            olds=to_struct(olds),
            news=to_struct(news),
            randomSeed=os.urandom(32),
            name=name,
            type=type_,
        )

    def diff_request(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> provider_pb2.DiffRequest:
        """The ``DiffRequest`` the engine sends."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.DiffRequest(
            id=id_,
            urn=urn,
            olds=to_struct(olds),
            news=to_struct(news),
            ignoreChanges=list(ignore_changes),
            old_inputs=to_struct(old_inputs),
            name=name,
            type=type_,
        )

    def create_request(self, urn: str, props: dict[str, Any]) -> provider_pb2.CreateRequest:
        """The ``CreateRequest`` the engine sends."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.CreateRequest(urn=urn, properties=to_struct(props), name=name, type=type_)

    def update_request(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> provider_pb2.UpdateRequest:
        """The ``UpdateRequest`` the engine sends."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.UpdateRequest(
            id=id_,
            urn=urn,
            olds=to_struct(olds),
            news=to_struct(news),
            ignoreChanges=list(ignore_changes),
            old_inputs=to_struct(old_inputs),
            name=name,
            type=type_,
        )

    def read_request(
        self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]
    ) -> provider_pb2.ReadRequest:
        """The ``ReadRequest`` the engine sends on refresh."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.ReadRequest(
            id=id_, urn=urn, properties=to_struct(props), inputs=to_struct(inputs), name=name, type=type_
        )

    def delete_request(
        self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]
    ) -> provider_pb2.DeleteRequest:
        """The ``DeleteRequest`` the engine sends."""
        name, type_ = _name_and_type(urn)
        return provider_pb2.DeleteRequest(
            id=id_,
            urn=urn,
            properties=to_struct(props),
            old_inputs=to_struct(old_inputs),
            name=name,
            type=type_,
        )

    # The calls, answers decoded to engine values.

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        stub = self.stub()
        response = self._call(stub.Check, self.check_request(urn, olds, news), "Check", urn)
        failures = [(f.property, f.reason) for f in response.failures]
        return CheckOutcome(inputs=from_struct(response.inputs), failures=failures)

    def diff(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> DiffOutcome:
        request = self.diff_request(urn, id_, olds, news, old_inputs, ignore_changes)
        response = self._call(self.stub().Diff, request, "Diff", urn)
        return DiffOutcome(
            changes=_CHANGES.get(response.changes, "unknown"),
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
        )

    def create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call(self.stub().Create, self.create_request(urn, props), "Create", urn)
        if not response.id:
            raise ProviderError(
                method="Create", urn=urn, message="plugin returned empty resource ID from create"
            )
        return str(response.id), from_struct(response.properties)

    def update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        request = self.update_request(urn, id_, olds, news, old_inputs, ignore_changes)
        response = self._call(self.stub().Update, request, "Update", urn)
        return from_struct(response.properties)

    def read(self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]) -> ReadOutcome:
        response = self._call(self.stub().Read, self.read_request(urn, id_, props, inputs), "Read", urn)
        new_inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return ReadOutcome(id=str(response.id), outputs=from_struct(response.properties), inputs=new_inputs)

    def delete(self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]) -> None:
        self._call(self.stub().Delete, self.delete_request(urn, id_, props, old_inputs), "Delete", urn)


class PluginRouter(Protocol):
    """Where plugin resources go (:class:`~.plugin_host.PluginProviders`)."""

    @property
    def providers(self) -> ProviderClient:
        """The client of the plugin's provider resources."""

    def resources(self, ref: str) -> ProviderClient: ...

    def invoke(
        self, token: str, args: Mapping[str, Any], ref: str
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]: ...


PLUGIN_PACKAGE_PREFIX = "ld-auditsubs:"
PLUGIN_PROVIDER_TYPE = "pulumi:providers:ld-auditsubs"


class ProviderRegistry:
    """Routes each resource type to its provider client."""

    def __init__(self, dynamic: ProviderClient, plugins: PluginRouter | None = None) -> None:
        self._dynamic = dynamic
        self._echo = EchoProvider()
        self.plugins = plugins

    def for_type(self, type_: str, provider: str = "") -> ProviderClient:
        """The dynamic provider host for ``pulumi-python:dynamic*`` types; the plugin's provider
        ``provider`` (a ``urn::id`` reference) for ``ld-auditsubs:*`` types, the plugin's provider
        registry for ``pulumi:providers:ld-auditsubs``; the echo otherwise."""
        if type_.startswith(DYNAMIC_TYPE_PREFIX):
            return self._dynamic
        if self.plugins is not None:
            if type_ == PLUGIN_PROVIDER_TYPE:
                return self.plugins.providers
            if type_.startswith(PLUGIN_PACKAGE_PREFIX):
                if not provider:
                    raise EngineError(f"internal error: a {type_} resource without a provider reference")
                return self.plugins.resources(provider)
        return self._echo

"""The native plugin's providers, as the engine's provider registry runs them.

Resources whose type is in package ``ld-auditsubs`` (``ld-auditsubs:index:*``) go to the plugin;
its provider resources (``pulumi:providers:ld-auditsubs``, the default one and each explicit one)
are resources too, whose steps are the registry's (``pkg/resource/deploy/providers/registry.go``):

* ``Check``: launch a plugin process (:class:`~pulumi_ld_auditsubs.testing.plugin_process.PluginProcess`,
  as the CLI launches a ``runtime: python`` source plugin) and call ``CheckConfig``; the process is
  kept as the provider's *unconfigured* instance;
* ``Diff``: ``DiffConfig`` on that instance (``DIFF_UNKNOWN`` becomes a comparison of olds and news);
  an unchanged provider is then configured with its inputs under its old ID (``Registry.Same``);
* ``Create``: ``Configure``, then the provider's ID is a new UUID (the unknown ID in a preview) and
  its outputs are its inputs; ``Update`` configures it again under the same ID; ``Delete`` stops
  the process; providers are never read (a refresh leaves them as they are).

A resource's provider is the reference ``<provider URN>::<provider ID>`` the program passed (or the
default provider's, see :mod:`.program`). Refresh and destroy do not run the program: a reference
that no step of this run configured is loaded from the state, configured with the provider's
recorded inputs, as ``Registry.Same`` loads providers of the old snapshot.

The plugin accepts secrets (its ``Configure`` answers ``acceptSecrets``), so every request carries
secrets as secret values and the engine does not copy input secretness to outputs
(``provider_plugin.go``): :attr:`PluginResources.accepts_secrets` tells the step logic so.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2

from pulumi_ld_auditsubs.testing.engine.errors import EngineError, ProviderError
from pulumi_ld_auditsubs.testing.engine.provider_host import (
    _CHANGES,
    CheckOutcome,
    DiffOutcome,
    ReadOutcome,
)
from pulumi_ld_auditsubs.testing.engine.values import UNKNOWN, from_struct, reveal, to_struct
from pulumi_ld_auditsubs.testing.plugin_process import PACKAGE, EngineLogServer, PluginProcess

PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"
"""The type of the plugin's provider resources."""
UNCONFIGURED_ID = "unconfigured"
"""``providers.UnconfiguredID``: the key of a provider between Check and Create/Update/Same."""


def is_plugin_type(type_: str) -> bool:
    """Whether resources of ``type_`` (or invokes of this token) belong to the plugin."""
    return type_.startswith(f"{PACKAGE}:")


def is_provider_type(type_: str) -> bool:
    """Whether ``type_`` is the plugin's provider resource type."""
    return type_ == PROVIDER_TYPE


def reference(urn: str, id_: str) -> str:
    """A provider reference as the SDKs and the engine write it (``providers.NewReference``)."""
    return f"{urn}::{id_ or UNKNOWN}"


def split_reference(ref: str) -> tuple[str, str]:
    """``(urn, id)`` of a provider reference."""
    urn, sep, id_ = ref.rpartition("::")
    if not sep or not urn.startswith("urn:pulumi:"):
        raise EngineError(f"malformed provider reference {ref!r} (expected <provider URN>::<provider ID>)")
    return urn, id_


def _name_and_type(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[-1], parts[-2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def _config_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``FilterProviderConfig``: the inputs a provider is configured with (unknowns kept)."""
    return {k: v for k, v in inputs.items() if k not in ("version", "pluginDownloadURL")}


class PluginProviders:
    """The registry of plugin provider instances, one plugin process each.

    ``load_state(urn, id)`` returns the recorded inputs of a provider resource in the old state
    (None when there is none): how a reference no step configured is loaded. ``on_log`` gets each
    line the plugins log (severity, message). Thread-safe: steps run in parallel.
    """

    def __init__(
        self,
        *,
        directory: Path,
        load_state: Callable[[str, str], Mapping[str, Any] | None],
        on_log: Callable[[str, str], None] | None = None,
        environment: Mapping[str, str] | None = None,
        preview: bool = False,
    ) -> None:
        self._directory = directory
        self._load_state = load_state
        self._environment = dict(os.environ if environment is None else environment)
        self.preview = preview
        self.engine = EngineLogServer(on_log=on_log)
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._instances: dict[str, PluginProcess] = {}
        self._all: list[PluginProcess] = []
        self.providers = ProviderResources(self)
        """The client of provider resources (``pulumi:providers:ld-auditsubs``)."""

    # -- instances --------------------------------------------------------------------------------

    def launch(self) -> PluginProcess:
        """A new plugin process, started as the CLI starts it (cwd = the program's directory)."""
        process = PluginProcess(
            cwd=self._directory,
            engine=self.engine,
            environment=self._environment,
            capture_stderr=False,
            ignore_sigint=True,
        )
        with self._lock:
            self._all.append(process)
        return process

    def put(self, ref: str, process: PluginProcess) -> None:
        with self._lock:
            self._instances[ref] = process

    def take(self, ref: str) -> PluginProcess | None:
        with self._lock:
            return self._instances.pop(ref, None)

    def get(self, ref: str) -> PluginProcess | None:
        with self._lock:
            return self._instances.get(ref)

    def stop(self, process: PluginProcess) -> None:
        with self._lock:
            if process in self._all:
                self._all.remove(process)
            for ref, candidate in list(self._instances.items()):
                if candidate is process:
                    del self._instances[ref]
        process.close()

    def instance(self, ref: str) -> PluginProcess:
        """The configured provider for ``ref``, loaded from the state if no step configured it."""
        found = self.get(ref)
        if found is not None:
            return found
        with self._lock:
            gate = self._loading.setdefault(ref, threading.Lock())
        with gate:  # one load per reference, however many steps ask at once
            found = self.get(ref)
            if found is not None:
                return found
            urn, id_ = split_reference(ref)
            inputs = self._load_state(urn, id_)
            if inputs is None:
                raise EngineError(f"provider {ref} is neither registered by the program nor in the state")
            process = self.launch()
            configure(process, urn, id_, inputs)
            self.put(ref, process)
            return process

    def resources(self, ref: str) -> PluginResources:
        """The client of the plugin's resources that use the provider ``ref``."""
        return PluginResources(self, ref)

    def invoke(
        self, token: str, args: Mapping[str, Any], ref: str
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """A function of the plugin, sent to the provider ``ref`` (engine values in and out)."""
        process = self.instance(ref)
        try:
            response = process.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=to_struct(args)))
        except grpc.RpcError as exc:
            raise ProviderError(method="Invoke", urn=token, message=_details(exc)) from None
        failures = [(f.property, f.reason) for f in response.failures]
        return from_struct(getattr(response, "return")), failures

    def kill(self) -> None:
        """Stop every plugin process at once (a second ^C: the operations in flight are abandoned)."""
        with self._lock:
            processes = list(self._all)
        for process in processes:
            process.kill()

    def close(self) -> None:
        """Stop every plugin process and the engine service."""
        with self._lock:
            processes, self._all = self._all, []
            self._instances.clear()
        for process in processes:
            process.close()
        self.engine.stop()


def _details(exc: grpc.RpcError) -> str:
    details = exc.details() if hasattr(exc, "details") else None
    return str(details or exc)


def configure(process: PluginProcess, urn: str, id_: str, inputs: Mapping[str, Any]) -> None:
    """``Configure`` as ``provider_plugin.go`` sends it (``args`` with secrets, and ``variables``)."""
    try:
        process.configure(_config_inputs(inputs), urn=urn, id_=id_)
    except grpc.RpcError as exc:
        raise ProviderError(method="Configure", urn=urn, message=_details(exc)) from None


class ProviderResources:
    """Steps of ``pulumi:providers:ld-auditsubs`` resources: the registry's Check/Diff/Create/...."""

    accepts_secrets = True
    supports_preview = True

    def __init__(self, registry: PluginProviders) -> None:
        self._registry = registry

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        process = self._registry.launch()
        try:
            response = process.stub.CheckConfig(
                provider_pb2.CheckRequest(
                    urn=urn,
                    name=_name_and_type(urn)[0],
                    type=PROVIDER_TYPE,
                    olds=to_struct(olds),
                    news=to_struct(news),
                )
            )
        except grpc.RpcError as exc:
            self._registry.stop(process)
            raise ProviderError(method="CheckConfig", urn=urn, message=_details(exc)) from None
        failures = [(f.property, f.reason) for f in response.failures]
        if failures:
            self._registry.stop(process)
        else:
            old = self._registry.take(reference(urn, UNCONFIGURED_ID))
            if old is not None:
                self._registry.stop(old)
            self._registry.put(reference(urn, UNCONFIGURED_ID), process)
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
        filtered = _config_inputs(news)
        process = self._registry.get(reference(urn, UNCONFIGURED_ID))
        if process is None:
            # No Check this run: a refresh, which keeps providers as recorded (they "may not be read").
            return DiffOutcome(changes="none" if reveal(olds) == reveal(filtered) else "some")
        try:
            response = process.stub.DiffConfig(
                provider_pb2.DiffRequest(
                    urn=urn,
                    id=id_,
                    name=_name_and_type(urn)[0],
                    type=PROVIDER_TYPE,
                    olds=to_struct(olds),
                    old_inputs=to_struct(_config_inputs(old_inputs)),
                    news=to_struct(filtered),
                    ignoreChanges=list(ignore_changes),
                )
            )
        except grpc.RpcError as exc:
            raise ProviderError(method="DiffConfig", urn=urn, message=_details(exc)) from None
        changes = _CHANGES.get(response.changes, "unknown")
        if changes == "unknown":  # Registry.Diff: compare the old outputs with the new inputs
            changes = "none" if reveal(olds) == reveal(filtered) else "some"
        replaces = list(response.replaces)
        if changes == "none":
            # Registry.Same: the unchanged provider is configured under its old ID.
            self._registry.take(reference(urn, UNCONFIGURED_ID))
            configure(process, urn, id_, news)
            self._registry.put(reference(urn, id_), process)
        elif replaces:
            # "If the diff requires replacement, unload the provider": Check runs again for the replacement.
            self._registry.take(reference(urn, UNCONFIGURED_ID))
            self._registry.stop(process)
        return DiffOutcome(
            changes=changes, replaces=replaces, delete_before_replace=bool(response.deleteBeforeReplace)
        )

    def _create(self, urn: str, props: dict[str, Any], *, preview: bool) -> tuple[str, dict[str, Any]]:
        process = self._registry.take(reference(urn, UNCONFIGURED_ID))
        if process is None:  # Same'd after Check, and this is a replacement: a fresh instance
            process = self._registry.launch()
        id_ = UNKNOWN if preview else str(uuid.uuid4())
        configure(process, urn, id_, props)
        self._registry.put(reference(urn, id_), process)
        return id_, _config_inputs(props)

    def create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return self._create(urn, props, preview=False)

    def preview_create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """In a preview the provider is configured too, so its resources can be previewed."""
        return self._create(urn, props, preview=True)

    def update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        process = self._registry.take(reference(urn, UNCONFIGURED_ID))
        if process is None:
            raise EngineError(f"internal error: Check and Diff must be called before Update ({urn})")
        configure(process, urn, id_, news)
        old = self._registry.take(reference(urn, id_))
        if old is not None and old is not process:
            self._registry.stop(old)
        self._registry.put(reference(urn, id_), process)
        return _config_inputs(news)

    def preview_update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        return self.update(urn, id_, olds, news, old_inputs, ignore_changes)

    def read(self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]) -> ReadOutcome:
        # "provider resources may not be read": a refresh keeps a provider as recorded.
        return ReadOutcome(id=id_, outputs=props, inputs=inputs)

    def delete(self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]) -> None:
        process = self._registry.take(reference(urn, id_))
        if process is not None:
            self._registry.stop(process)


class PluginResources:
    """Steps of the plugin's resources that use one provider, with the engine's requests."""

    accepts_secrets = True
    supports_preview = True

    def __init__(self, registry: PluginProviders, ref: str) -> None:
        self._registry = registry
        self.ref = ref

    def _call(self, method: str, request: Any, urn: str) -> Any:
        stub = self._registry.instance(self.ref).stub
        try:
            return getattr(stub, method)(request)
        except grpc.RpcError as exc:
            raise ProviderError(method=method, urn=urn, message=_details(exc)) from None

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any]) -> CheckOutcome:
        name, type_ = _name_and_type(urn)
        request = provider_pb2.CheckRequest(
            urn=urn,
            name=name,
            type=type_,
            olds=to_struct(olds),
            news=to_struct(news),
            randomSeed=os.urandom(32),
        )
        response = self._call("Check", request, urn)
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
        name, type_ = _name_and_type(urn)
        request = provider_pb2.DiffRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            olds=to_struct(olds),
            news=to_struct(news),
            old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes),
        )
        response = self._call("Diff", request, urn)
        return DiffOutcome(
            changes=_CHANGES.get(response.changes, "unknown"),
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
        )

    def _create(self, urn: str, props: dict[str, Any], *, preview: bool) -> tuple[str, dict[str, Any]]:
        name, type_ = _name_and_type(urn)
        request = provider_pb2.CreateRequest(
            urn=urn, name=name, type=type_, properties=to_struct(props), preview=preview
        )
        response = self._call("Create", request, urn)
        if not response.id and not preview:
            raise ProviderError(
                method="Create", urn=urn, message="plugin returned empty resource ID from create"
            )
        return str(response.id), from_struct(response.properties)

    def create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return self._create(urn, props, preview=False)

    def preview_create(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """``Create`` with ``preview=true`` (the plugin answers ``supportsPreview``): nothing is sent."""
        return self._create(urn, props, preview=True)

    def _update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
        *,
        preview: bool,
    ) -> dict[str, Any]:
        name, type_ = _name_and_type(urn)
        request = provider_pb2.UpdateRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            olds=to_struct(olds),
            news=to_struct(news),
            old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes),
            preview=preview,
        )
        return from_struct(self._call("Update", request, urn).properties)

    def update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        return self._update(urn, id_, olds, news, old_inputs, ignore_changes, preview=False)

    def preview_update(
        self,
        urn: str,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        old_inputs: dict[str, Any],
        ignore_changes: Sequence[str],
    ) -> dict[str, Any]:
        return self._update(urn, id_, olds, news, old_inputs, ignore_changes, preview=True)

    def read(self, urn: str, id_: str, props: dict[str, Any], inputs: dict[str, Any]) -> ReadOutcome:
        name, type_ = _name_and_type(urn)
        request = provider_pb2.ReadRequest(
            id=id_, urn=urn, name=name, type=type_, properties=to_struct(props), inputs=to_struct(inputs)
        )
        response = self._call("Read", request, urn)
        new_inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return ReadOutcome(id=str(response.id), outputs=from_struct(response.properties), inputs=new_inputs)

    def delete(self, urn: str, id_: str, props: dict[str, Any], old_inputs: dict[str, Any]) -> None:
        name, type_ = _name_and_type(urn)
        request = provider_pb2.DeleteRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            properties=to_struct(props),
            old_inputs=to_struct(old_inputs),
        )
        self._call("Delete", request, urn)

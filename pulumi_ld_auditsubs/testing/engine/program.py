"""Running an unmodified Pulumi Python program in-process, under the SDK's mock runtime.

The program runs the way ``pulumi-language-python-exec`` runs it (cwd = project directory,
``runpy.run_path(main, run_name="__main__")`` inside ``pulumi.runtime.run_in_stack``), but its
resource monitor is :class:`EngineMonitor`, a ``pulumi.runtime.mocks.MockMonitor`` subclass that
sees each full ``RegisterResourceRequest`` (inputs, ``protect``, ``retainOnDelete``,
``ignoreChanges``, ``replaceOnChanges``, ``deleteBeforeReplace``, ``additionalSecretOutputs``,
dependencies) and hands it to the step logic, then returns the resulting ID and outputs (secrets
wrapped, unknowns in a preview) to the program. The root stack's ``RegisterResourceOutputs`` gives
the stack outputs. Reads of existing resources (``Resource.get``) are not emulated; invokes of the
native plugin's functions (``ld-auditsubs:index:*``) reach ``Mocks.call`` and go to the plugin.

Resources of the native plugin (``ld-auditsubs:*``) are routed to a provider as the engine routes
them (``source_eval.go``): the program's ``provider=`` reference, else the package's default
provider, registered once as ``pulumi:providers:ld-auditsubs::default`` with the stack config of
namespace ``ld-auditsubs:`` (namespace stripped, secrets kept: ``Target.GetPackageConfig`` in
``pkg/resource/deploy/target.go``). The same :class:`EngineMonitor` serves a Node.js program over
gRPC (:mod:`.monitor_server`).

The SDK's runtime settings are process-global, so a process runs one program once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi.runtime.config as runtime_config
from google.protobuf import empty_pb2
from pulumi.runtime import set_all_config
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, Mocks, MockSettings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import configure
from pulumi.runtime.stack import run_in_stack

from pulumi_ld_auditsubs.testing.engine.errors import EngineError
from pulumi_ld_auditsubs.testing.engine.project import Project, StackConfig, env_var_for
from pulumi_ld_auditsubs.testing.engine.provider_host import DYNAMIC_TYPE_PREFIX
from pulumi_ld_auditsubs.testing.engine.steps import Deployment, Goal
from pulumi_ld_auditsubs.testing.engine.values import UNKNOWN, from_sdk, from_struct, to_struct, wrap_secret

PLUGIN_PACKAGE = "ld-auditsubs"
PLUGIN_PROVIDER_TYPE = f"pulumi:providers:{PLUGIN_PACKAGE}"

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
# Without resource references the SDK sends a resource input as its ID (or URN), like the engine
# does for providers that do not accept resources. SDKs that ask GetDeploymentInfo (newer than
# 3.216) name features by this enum; older ones ask SupportsFeature("resourceReferences") only and
# their resource_pb2 lacks it (EngineMonitor answers both).
_HIDDEN_FEATURES = {
    feature
    for feature in (getattr(resource_pb2, "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES", None),)
    if feature is not None
}
_SWITCH_INTERVAL_SECONDS = 0.0001
"""How often a thread holding the GIL must offer it while the program runs (Python's default: 5 ms).

With the real CLI the program and the engine are separate processes. Here they share one GIL, and
the SDK's ``wait_for_rpcs`` loop (``pulumi/runtime/stack.py``) re-subscribes to every pending output
each time one resolves, so it holds the GIL most of the time. Each hand-off to a step's thread then
waited up to 5 ms: a no-change preview of 500 subscriptions took 19 s; with 0.1 ms it takes 7 s.
"""
_RESULTS = {
    "success": resource_pb2.Result.SUCCESS,
    "fail": resource_pb2.Result.FAIL,
    "skip": resource_pb2.Result.FAIL,  # this SDK's proto has no SKIP; it treats both alike
}


class _UnsupportedMocks(Mocks):
    """The parts of the mock interface the local engine does not emulate; invokes of the plugin's
    functions go to the plugin (:meth:`EngineMonitor.invoke`)."""

    def __init__(self) -> None:
        self.monitor: EngineMonitor | None = None

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if self.monitor is not None and args.token.startswith(f"{PLUGIN_PACKAGE}:"):
            return self.monitor.invoke(args.token, from_sdk(args.args), args.provider or "")
        raise EngineError(f"invoke {args.token!r} is not emulated by the local engine")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.typ.startswith(DYNAMIC_TYPE_PREFIX):
            raise EngineError(
                f"reading an existing dynamic resource ({args.typ} {args.name}) is not emulated"
            )
        return args.resource_id or f"{args.name}_id", dict(args.inputs)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


class EngineMonitor(MockMonitor):
    """A resource monitor that drives the step logic for every registration."""

    def __init__(
        self, deployment: Deployment, *, project: str, stack: str, config: StackConfig | None = None
    ) -> None:
        mocks = _UnsupportedMocks()
        super().__init__(mocks)
        mocks.monitor = self
        self.deployment = deployment
        self._urn_prefix = f"urn:pulumi:{stack}::{project}::"
        self.stack_urn = ""
        self.stack_outputs: dict[str, Any] = {}
        self._protect: dict[str, bool] = {}
        self._config = config or StackConfig(values={}, secret_keys=frozenset())
        self._default_providers: dict[str, str] = {}
        self._default_lock = threading.Lock()

    def package_config(self) -> dict[str, Any]:
        """``Target.GetPackageConfig``: the ``ld-auditsubs:`` config, namespace stripped, secrets kept."""
        prefix = f"{PLUGIN_PACKAGE}:"
        return {
            key.removeprefix(prefix): wrap_secret(value) if key in self._config.secret_keys else value
            for key, value in self._config.values.items()
            if key.startswith(prefix)
        }

    def default_provider(self, version: str = "") -> str:
        """The default provider's reference, registered on first use (``getDefaultProviderRef``).

        Named ``default``, or ``default_<major>_<minor>_<patch>`` for a requested version
        (``ProviderRequest.DefaultName`` in ``pkg/resource/deploy/providers/provider.go``).
        """
        name = "default" + "".join(f"_{part}" for part in version.replace("-", ".").split(".") if part)
        with self._default_lock:  # one registration, however many resources ask at once
            if name not in self._default_providers:
                urn = f"{self._urn_prefix}{PLUGIN_PROVIDER_TYPE}::{name}"
                inputs = self.package_config()
                if version:
                    inputs["version"] = version
                result = self.deployment.register(
                    Goal(urn=urn, type=PLUGIN_PROVIDER_TYPE, custom=True, parent="", inputs=inputs)
                )
                self._default_providers[name] = f"{urn}::{result.id or UNKNOWN}"
            return self._default_providers[name]

    def invoke(
        self, token: str, args: dict[str, Any], provider: str, version: str = ""
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """A function of the plugin, sent to ``provider`` or the default provider."""
        plugins = self.deployment.providers.plugins
        if plugins is None:
            raise EngineError(f"invoke {token!r}: the native plugin is not available to this engine")
        ref = provider or self.default_provider(version)
        return plugins.invoke(token, args, ref)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """Like the engine: the root stack's type is not part of its children's qualified type."""
        if parent and parent != self.stack_urn:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        # Not the SDK's make_urn: it reads the stack from the SDK's context variables, which a
        # registration made outside the program's context (pulumi 3.216) sees at their defaults.
        return f"{self._urn_prefix}{type_}::{name}"

    def GetDeploymentInfo(self, request: Any) -> resource_pb2.DeploymentInfo:
        info = super().GetDeploymentInfo(request)  # type: ignore[no-untyped-call]
        features = [f for f in info.supportedFeatures if f not in _HIDDEN_FEATURES]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def SupportsFeature(self, request: Any) -> Any:
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
        return super().SupportsFeature(request)  # type: ignore[no-untyped-call]

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == ROOT_STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if request.remote:
            raise EngineError(f"{request.type} {request.name}: component providers are not emulated")
        protect = request.protect if request.HasField("protect") else self._protect.get(request.parent, False)
        self._protect[urn] = protect
        property_deps = [u for deps in request.propertyDependencies.values() for u in deps.urns]
        provider = ""
        if request.type.startswith(f"{PLUGIN_PACKAGE}:"):
            provider = request.provider or self.default_provider(request.version)
        goal = Goal(
            urn=urn,
            type=request.type,
            custom=request.custom,
            parent="" if request.parent == self.stack_urn else request.parent,
            inputs=from_struct(request.object),
            dependencies=_unique([*request.dependencies, *property_deps]),
            protect=protect,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else False,
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            provider=provider,
        )
        result = self.deployment.register(goal)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, result.id, result.outputs)
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=result.id, object=to_struct(result.outputs), result=_RESULTS[result.outcome]
        )

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> Any:
        if request.urn == self.stack_urn:
            self.stack_outputs = from_struct(request.outputs)
        return empty_pb2.Empty()


class _ConfigWithEnvironment(dict[str, str]):
    """The program's config map: a key no file names may come from ``PULUMI_LOCAL_CONFIG_<KEY>``.

    The SDK's ``get_config`` (``pulumi/runtime/config.py``) asks ``key in CONFIG`` and then
    ``CONFIG[key]``, so answering both from the environment serves any key the program reads.
    """

    def __init__(self, values: dict[str, str], environ: dict[str, str]) -> None:
        super().__init__(values)
        self._environ = environ

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or (isinstance(key, str) and env_var_for(key) in self._environ)

    def __missing__(self, key: str) -> str:
        try:
            return self._environ[env_var_for(key)]
        except KeyError:
            raise KeyError(key) from None


def _set_config(config: StackConfig) -> None:
    set_all_config(dict(config.values), sorted(config.secret_keys))
    values = _ConfigWithEnvironment(dict(config.values), dict(config.environ))
    runtime_config.CONFIG.set(values)  # what set_all_config just set, with the fallback


class _DiagnosticFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _program_logger() -> logging.Logger:
    """``pulumi.log`` messages of the program, printed to stderr as ``info: ...`` etc."""
    logger = logging.getLogger("pulumi_ld_auditsubs.local.program")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_DiagnosticFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def run_program(
    project: Project,
    stack: str,
    config: StackConfig,
    deployment: Deployment,
    *,
    preview: bool,
    parallel: int = 4,
) -> dict[str, Any]:
    """Run the program once; returns the stack outputs (secrets wrapped).

    The SDK calls ``RegisterResource`` from the event loop's default executor, one thread per
    registration in flight, so that executor gets enough threads for ``parallel`` steps at once
    (the deployment itself bounds provider calls to ``parallel``).
    """
    monitor = EngineMonitor(deployment, project=project.name, stack=stack, config=config)
    features: dict[str, Any] = {}
    if hasattr(MockMonitor, "GetDeploymentInfo"):  # SDKs after 3.216 read the features in one call
        features["monitor_features"] = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    configure(
        MockSettings(  # type: ignore[no-untyped-call]
            monitor=monitor,
            **features,
            engine=MockEngine(_program_logger()),
            project=project.name,
            stack=stack,
            dry_run=preview,
            organization="organization",
            root_directory=str(project.directory),
            callbacks=None,
        )
    )
    _set_config(config)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=min(parallel, 256) + 4, thread_name_prefix="register")
    loop.set_default_executor(executor)
    old_cwd, old_argv = os.getcwd(), sys.argv
    program_dir = str(project.main if project.main.is_dir() else project.main.parent)
    if program_dir not in sys.path:
        sys.path.insert(0, program_dir)
    os.chdir(project.directory)
    sys.argv = [str(project.main)]

    def main() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)
    try:
        loop.run_until_complete(run_in_stack(main))
    finally:
        sys.setswitchinterval(switch_interval)
        os.chdir(old_cwd)
        sys.argv = old_argv
        loop.close()
        executor.shutdown(wait=True)
    return monitor.stack_outputs

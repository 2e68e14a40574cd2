"""The plugin's gRPC server: Pulumi's experimental provider server, with one-sentence failures.

:class:`pulumi.provider.experimental.server.ProviderServicer` (pulumi 3.171+) translates the
provider protocol for a :class:`~pulumi.provider.experimental.provider.Provider`. Three things are
done here instead, each for a reason read in its source (3.272):

* its ``_raise_with_traceback`` appends a Python stack to every error the engine shows; a failure
  here is one sentence (what failed, on which subscription and host, what to do), so each RPC's
  error is re-raised as that sentence with ``context.abort``;
* its ``DiffConfig`` puts the Python bool ``changes`` into the proto enum (``True`` is
  ``DIFF_NONE``) and reads a missing ``inputDiff`` attribute, and its ``Configure`` drops the
  provider's URN, which names explicit providers in messages: these three provider-config RPCs are
  implemented here;
* its ``main`` takes the value of ``--tracing <url>`` for the engine address: :func:`serve` parses
  the arguments the CLI passes a plugin (``--logtostderr``, ``-v=N``, ``--tracing URL``, the address).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

import grpc
from google.protobuf import empty_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.errors import LaunchDarklyError, SettingsError
from pulumi_ld_auditsubs.plugin.provider import (
    AuditLogSubscriptionPlugin,
    PluginFailure,
    canonical_config,
    resolve,
)
from pulumi_ld_auditsubs.plugin.values import marked, plain_map, secret_paths

ENGINE_ADDRESS = re.compile(r"[\w.\-\[\]:]*:\d+")
"""The engine's address, the one positional argument the CLI passes a plugin."""
CONFIG_VARIABLE_PREFIX = "ld-auditsubs:config:"
"""How the deprecated ``variables`` of Configure key each value (``provider_plugin.go``)."""

_LEVELS = {
    logging.DEBUG: engine_pb2.DEBUG,
    logging.INFO: engine_pb2.INFO,
    logging.WARNING: engine_pb2.WARNING,
    logging.ERROR: engine_pb2.ERROR,
}


class _EngineLog(logging.Handler):
    """This library's log lines, sent to the engine's Log service (the CLI shows them as diagnostics)."""

    def __init__(self, engine_address: str) -> None:
        super().__init__(logging.INFO)
        self._engine = engine_pb2_grpc.EngineStub(
            grpc.insecure_channel(engine_address, options=_GRPC_CHANNEL_OPTIONS)
        )

    def emit(self, record: logging.LogRecord) -> None:
        severity = _LEVELS.get(
            record.levelno, engine_pb2.ERROR if record.levelno > logging.ERROR else engine_pb2.INFO
        )
        try:
            self._engine.Log(
                engine_pb2.LogRequest(severity=severity, message=self.format(record)), timeout=10
            )
        except grpc.RpcError:  # an engine that is gone: the line goes to stderr instead
            sys.stderr.write(f"{record.levelname.lower()}: {self.format(record)}\n")


class PluginServicer(ProviderServicer):
    """The SDK's servicer, with the provider-config RPCs and the error boundary of this plugin."""

    def __init__(self, args: list[str], provider: AuditLogSubscriptionPlugin, engine_address: str) -> None:
        super().__init__(args, __version__, provider, engine_address=engine_address)
        self._plugin = provider

    # -- provider configuration ------------------------------------------------------------------

    async def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: Any
    ) -> provider_pb2.CheckResponse:
        news = PropertyValue.unmarshal_map(request.news)
        failures = []
        try:
            resolve(plain_map(news), request.urn)
        except SettingsError as exc:
            failures.append(provider_pb2.CheckFailure(property="", reason=f"{exc}."))
        secrets = secret_paths(news) | {("accessToken",)}  # the token is a secret in state, however it came
        return provider_pb2.CheckResponse(
            inputs=PropertyValue.marshal_map(marked(plain_map(news), secrets)), failures=failures
        )

    async def DiffConfig(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        olds = canonical_config(plain_map(PropertyValue.unmarshal_map(request.olds)))
        news = canonical_config(plain_map(PropertyValue.unmarshal_map(request.news)))
        changed = sorted(key for key in olds.keys() | news.keys() if olds.get(key) != news.get(key))
        # A new token or host updates the provider in place: its resources then judge the move
        # themselves (a subscription recorded at another host is refused, never replaced).
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=[key.rpartition(":")[2] for key in changed],
        )

    async def Configure(
        self, request: provider_pb2.ConfigureRequest, context: Any
    ) -> provider_pb2.ConfigureResponse:
        if request.HasField("args"):
            values = plain_map(PropertyValue.unmarshal_map(request.args))
        else:  # an engine that sends only the deprecated string map
            values = {
                key.removeprefix(CONFIG_VARIABLE_PREFIX): value
                for key, value in request.variables.items()
                if key.startswith(CONFIG_VARIABLE_PREFIX)
            }
        for warning in self._plugin.configure_from(values, getattr(request, "urn", "")):
            logging.getLogger("pulumi_ld_auditsubs.plugin").warning("%s", warning)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    # -- the error boundary ----------------------------------------------------------------------

    async def GetSchema(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().GetSchema, request, context)

    async def Check(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Check, request, context)

    async def Diff(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Diff, request, context)

    async def Create(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Create, request, context)

    async def Read(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Read, request, context)

    async def Update(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Update, request, context)

    async def Delete(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Delete, request, context)

    async def Invoke(self, request: Any, context: Any) -> Any:
        return await _one_sentence(super().Invoke, request, context)

    async def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()


async def _one_sentence(rpc: Callable[[Any, Any], Awaitable[Any]], request: Any, context: Any) -> Any:
    """Run ``rpc``; a failure reaches the engine as its one sentence, without the SDK's stack."""
    try:
        return await rpc(request, context)
    except Exception as exc:  # the SDK re-raises the original as the context of its own exception
        original = exc.__context__ if isinstance(exc.__context__, Exception) else exc
        await _abort(context, original)
    raise AssertionError("unreachable")  # pragma: no cover - context.abort raises


async def _abort(context: Any, exc: Exception) -> NoReturn:
    if isinstance(exc, PluginFailure):
        message = str(exc)
    else:
        traceback.print_exception(exc, file=sys.stderr)  # for a bug report; the engine shows one line
        message = str(
            LaunchDarklyError(
                f"unexpected {type(exc).__name__}: {exc}; "
                "this is a bug in pulumi-ld-auditsubs, please report it"
            )
        )
    await context.abort(grpc.StatusCode.UNKNOWN, message)
    raise AssertionError("unreachable")  # pragma: no cover - context.abort raises


def engine_address(args: Sequence[str]) -> str | None:
    """The engine address among the arguments the CLI passes a plugin, or None if there is none."""
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--tracing":
            rest = rest[1:]
        elif not arg.startswith("-") and ENGINE_ADDRESS.fullmatch(arg):
            return arg
    return None


def serve(args: Sequence[str]) -> int:
    """Serve the provider protocol until the engine terminates the plugin; the port is stdout's first line."""
    address = engine_address(args)
    if address is None:
        print("error: pulumi-ld-auditsubs plugin: no engine address among the arguments", file=sys.stderr)
        return 2
    package_log = logging.getLogger("pulumi_ld_auditsubs")
    package_log.addHandler(_EngineLog(address))
    package_log.setLevel(logging.INFO)
    provider = AuditLogSubscriptionPlugin()

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(
            PluginServicer(list(args), provider, address), server
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):  # the engine stops a plugin with SIGINT/SIGTERM
        asyncio.run(run())
    return 0

"""The plugin's gRPC server: the provider protocol on ``grpc.aio``, one-sentence failures.

It implements Pulumi's generated ``ResourceProviderServicer`` directly rather than through
``pulumi.provider.experimental.server.ProviderServicer`` (pulumi 3.171+), for four reasons read in
that server's source (3.272): its ``_raise_with_traceback`` appends a Python stack to every error the
engine shows (a failure here is one sentence: what failed, on which subscription and host, what to
do); its ``DiffConfig`` puts the Python bool ``changes`` into the proto enum (``True`` is
``DIFF_NONE``) and reads a missing ``inputDiff`` attribute; its ``Configure`` drops the provider's
URN, which names explicit providers in messages; and its ``PropertyValue`` conversion took half the
CPU of a create (see :mod:`.values`). Its ``main`` also takes the value of ``--tracing <url>`` for
the engine address; :func:`serve` parses what the CLI passes a plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, plugin_pb2, provider_pb2, provider_pb2_grpc

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.errors import LaunchDarklyError, SettingsError
from pulumi_ld_auditsubs.plugin.provider import (
    AuditLogSubscriptionPlugin,
    PluginFailure,
    canonical_config,
    resolve,
)
from pulumi_ld_auditsubs.plugin.schema import schema_json
from pulumi_ld_auditsubs.plugin.values import decode, encode

_Answer = TypeVar("_Answer")

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
        channel = grpc.insecure_channel(engine_address, options=_GRPC_CHANNEL_OPTIONS)
        self._engine = engine_pb2_grpc.EngineStub(channel)

    def emit(self, record: logging.LogRecord) -> None:
        severity = _LEVELS.get(record.levelno, engine_pb2.ERROR)
        try:
            self._engine.Log(
                engine_pb2.LogRequest(severity=severity, message=self.format(record)), timeout=10
            )
        except grpc.RpcError:  # an engine that is gone: the line goes to stderr instead
            sys.stderr.write(f"{record.levelname.lower()}: {self.format(record)}\n")


class PluginServicer(provider_pb2_grpc.ResourceProviderServicer):
    """The provider protocol, translated for :class:`AuditLogSubscriptionPlugin`."""

    def __init__(self, provider: AuditLogSubscriptionPlugin) -> None:
        self._plugin = provider

    async def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=__version__)

    async def GetSchema(self, request: Any, context: Any) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=schema_json())

    async def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # -- provider configuration ------------------------------------------------------------------

    async def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: Any
    ) -> provider_pb2.CheckResponse:
        news, secrets = decode(request.news)
        failures = []
        try:
            resolve(news, request.urn)
        except SettingsError as exc:
            failures.append(provider_pb2.CheckFailure(property="", reason=f"{exc}."))
        secrets.add(("accessToken",))  # the token is a secret in state, however it came
        return provider_pb2.CheckResponse(inputs=encode(news, secrets), failures=failures)

    async def DiffConfig(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        olds, news = canonical_config(decode(request.olds)[0]), canonical_config(decode(request.news)[0])
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
            values = decode(request.args)[0]
        else:  # an engine that sends only the deprecated string map
            values = {
                key.removeprefix(CONFIG_VARIABLE_PREFIX): value
                for key, value in request.variables.items()
                if key.startswith(CONFIG_VARIABLE_PREFIX)
            }
        for warning in self._plugin.configure(values, getattr(request, "urn", "")):
            logging.getLogger("pulumi_ld_auditsubs.plugin").warning("%s", warning)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    # -- the resource and the functions -------------------------------------------------------------

    async def Check(self, request: provider_pb2.CheckRequest, context: Any) -> provider_pb2.CheckResponse:
        async def check() -> provider_pb2.CheckResponse:
            news, secrets = decode(request.news)
            inputs, failures = self._plugin.check(request.urn, news, secrets)
            return provider_pb2.CheckResponse(
                inputs=encode(inputs.values, inputs.secrets),
                failures=[provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in failures],
            )

        return await _one_sentence(check, context)

    async def Diff(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        async def diff() -> provider_pb2.DiffResponse:
            diffed = await self._plugin.diff(request.id, decode(request.olds)[0], decode(request.news)[0])
            kind = provider_pb2.PropertyDiff
            detailed = {
                key: kind(kind=kind.UPDATE_REPLACE if key in diffed.replaces else kind.UPDATE, inputDiff=True)
                for key in diffed.changed_keys
            }
            return provider_pb2.DiffResponse(
                changes=provider_pb2.DiffResponse.DIFF_SOME
                if diffed.changes
                else provider_pb2.DiffResponse.DIFF_NONE,
                replaces=diffed.replaces,
                deleteBeforeReplace=False,
                diffs=list(detailed),
                detailedDiff=detailed,
                hasDetailedDiff=True,
            )

        return await _one_sentence(diff, context)

    async def Create(self, request: provider_pb2.CreateRequest, context: Any) -> provider_pb2.CreateResponse:
        async def create() -> provider_pb2.CreateResponse:
            news, secrets = decode(request.properties)
            id_, outputs = await self._plugin.create(news, secrets, preview=request.preview)
            return provider_pb2.CreateResponse(id=id_, properties=encode(outputs.values, outputs.secrets))

        return await _one_sentence(create, context)

    async def Update(self, request: provider_pb2.UpdateRequest, context: Any) -> provider_pb2.UpdateResponse:
        async def update() -> provider_pb2.UpdateResponse:
            news, secrets = decode(request.news)
            outputs = await self._plugin.update(
                request.id, decode(request.olds)[0], news, secrets, preview=request.preview
            )
            return provider_pb2.UpdateResponse(properties=encode(outputs.values, outputs.secrets))

        return await _one_sentence(update, context)

    async def Read(self, request: provider_pb2.ReadRequest, context: Any) -> provider_pb2.ReadResponse:
        async def read() -> provider_pb2.ReadResponse:
            props, secrets = decode(request.properties)
            secrets |= decode(request.inputs)[1]
            id_, outputs, inputs = await self._plugin.read(request.id, props, secrets)
            return provider_pb2.ReadResponse(
                id=id_,
                properties=encode(outputs.values, outputs.secrets),
                inputs=encode(inputs.values, inputs.secrets),
            )

        return await _one_sentence(read, context)

    async def Delete(self, request: provider_pb2.DeleteRequest, context: Any) -> empty_pb2.Empty:
        async def delete() -> empty_pb2.Empty:
            await self._plugin.delete(request.id, decode(request.properties)[0])
            return empty_pb2.Empty()

        return await _one_sentence(delete, context)

    async def Invoke(self, request: provider_pb2.InvokeRequest, context: Any) -> provider_pb2.InvokeResponse:
        async def invoke() -> provider_pb2.InvokeResponse:
            result = await self._plugin.invoke(request.tok, decode(request.args)[0])
            return provider_pb2.InvokeResponse(**{"return": encode(result.values, result.secrets)})

        return await _one_sentence(invoke, context)


async def _one_sentence(rpc: Callable[[], Awaitable[_Answer]], context: Any) -> _Answer:
    """Run ``rpc``; a failure reaches the engine as its one sentence, never a Python stack."""
    try:
        return await rpc()
    except PluginFailure as exc:
        message = str(exc)
    except Exception as exc:  # a bug: its stack goes to stderr for the report, the engine gets one line
        traceback.print_exception(exc, file=sys.stderr)
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
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(PluginServicer(provider), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):  # the engine stops a plugin with SIGINT/SIGTERM
        asyncio.run(run())
    return 0

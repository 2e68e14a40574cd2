"""A real ``pulumirpc.ResourceMonitor`` gRPC server on 127.0.0.1, for programs in their own process.

A Node.js program talks to the engine's resource monitor over gRPC, as under ``pulumi up``. This
server answers it with the same :class:`~.program.EngineMonitor` that the in-process Python path
uses, so both languages drive one :class:`~.steps.Deployment` with the same step logic:
``RegisterResource``, ``RegisterResourceOutputs``, ``Invoke`` (the plugin's functions, sent to the
``provider`` of the request or the default provider) and ``SupportsFeature``. Everything else
answers ``UNIMPLEMENTED`` (the SDKs treat that as "not supported": ``SignalAndWaitForShutdown``
among them). A failure reaches the program as the gRPC status message, one sentence, as the engine
sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, resource_pb2, resource_pb2_grpc

from pulumi_ld_auditsubs.testing.engine.program import PLUGIN_PACKAGE, EngineMonitor
from pulumi_ld_auditsubs.testing.engine.provider_host import CHANNEL_OPTIONS
from pulumi_ld_auditsubs.testing.engine.values import from_struct, to_struct

_T = TypeVar("_T")
SUPPORTED_FEATURES = frozenset({"secrets"})
"""What this monitor supports: secrets travel as secret values. Not resource references (a
resource input is sent as its ID, as to a provider that does not accept them), not output values,
aliases specs, transforms, hooks or parameterization (``SupportsFeature`` in ``resmon.go`` answers
per feature the same way)."""


class _MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, monitor: EngineMonitor) -> None:
        self._monitor = monitor

    def SupportsFeature(
        self, request: resource_pb2.SupportsFeatureRequest, context: Any
    ) -> resource_pb2.SupportsFeatureResponse:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in SUPPORTED_FEATURES)

    def RegisterResource(
        self, request: resource_pb2.RegisterResourceRequest, context: Any
    ) -> resource_pb2.RegisterResourceResponse:
        response: resource_pb2.RegisterResourceResponse = _answer(
            context, lambda: self._monitor.RegisterResource(request)
        )
        return response

    def RegisterResourceOutputs(
        self, request: resource_pb2.RegisterResourceOutputsRequest, context: Any
    ) -> empty_pb2.Empty:
        _answer(context, lambda: self._monitor.RegisterResourceOutputs(request))
        return empty_pb2.Empty()

    def Invoke(self, request: resource_pb2.ResourceInvokeRequest, context: Any) -> Any:
        if not request.tok.startswith(f"{PLUGIN_PACKAGE}:"):
            _abort(context, f"invoke {request.tok!r} is not emulated by the local engine")
        ret, failures = _answer(
            context,
            lambda: self._monitor.invoke(
                request.tok, from_struct(request.args), request.provider, request.version
            ),
        )
        # The monitor answers ResourceInvokeResponse; SDKs older than it (3.216) have only
        # provider_pb2.InvokeResponse, which has the same fields and wire format.
        answer = getattr(resource_pb2, "ResourceInvokeResponse", provider_pb2.InvokeResponse)
        return answer(
            **{"return": to_struct(ret)},
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures],
        )


def _abort(context: Any, message: str) -> NoReturn:
    context.abort(grpc.StatusCode.UNKNOWN, message)
    raise AssertionError("unreachable")  # pragma: no cover - abort raises


def _answer(context: Any, call: Callable[[], _T]) -> _T:
    """Run ``call``; a failure becomes the gRPC status message the program's SDK reports."""
    try:
        return call()
    except Exception as exc:  # the boundary: the program sees one message, not a Python traceback
        _abort(context, str(exc) or type(exc).__name__)


class MonitorServer:
    """Serves ``monitor`` on 127.0.0.1 (an ephemeral port) until :meth:`stop`.

    ``workers`` bounds the registrations served at once: each blocks while its step runs, so it is
    the engine's ``--parallel`` plus room for the program's other calls.
    """

    def __init__(self, monitor: EngineMonitor, *, workers: int) -> None:
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="monitor"),
            options=CHANNEL_OPTIONS,
        )
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_MonitorServicer(monitor), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop(grace=None)

"""Two reference providers for ``benchmarks/run.py``, driven through the same server and host.

* :class:`NullProvider` only waits like the API: the SDK server's own floor (property
  (de)serialization, a new event loop per call, gRPC), which no provider can go below.
* :class:`PlainRequestsProvider` sends the same one request per call with a plain
  ``requests.Session`` and no checks at all: the simplest provider that does the same work.

This library's provider against the second shows what its validation, error handling and
recovery cost; against the first, what one HTTP exchange costs on this machine.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import requests
from pulumi.dynamic import CreateResult, ReadResult, ResourceProvider

LATENCY_ENV = "LD_AUDITSUBS_BENCH_LATENCY_MS"
URL_ENV = "LD_AUDITSUBS_BENCH_URL"
TOKEN_ENV = "LD_AUDITSUBS_BENCH_TOKEN"
_STATUS = {"successCount": 0, "errorCount": 0}


def _wait() -> None:
    time.sleep(float(os.environ.get(LATENCY_ENV, "20")) / 1000)


class NullProvider(ResourceProvider):
    """Answers like the real provider (same output shape), after one API-latency wait per call."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        _wait()
        return CreateResult(os.urandom(12).hex(), {**props, "status": _STATUS})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _wait()
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        _wait()


_SESSION = threading.local()


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_SESSION, "value", None)
    if session is None:
        session = requests.Session()
        session.headers["Authorization"] = os.environ[TOKEN_ENV]
        _SESSION.value = session
    return session


def _url(*parts: str) -> str:
    return "/".join((os.environ[URL_ENV], "api/v2/integrations", *parts))


class PlainRequestsProvider(ResourceProvider):
    """One unchecked ``requests`` call per operation, with the real provider's request bodies."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        body = {k: props[k] for k in ("name", "config", "statements", "on", "tags")}
        answer = _session().post(_url(props["integrationKey"]), json=body, timeout=30)
        answer.raise_for_status()
        live = answer.json()
        return CreateResult(live["_id"], {**props, "subscriptionId": live["_id"], "status": live["_status"]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        answer = _session().get(_url(props["integrationKey"], id_), timeout=30)
        answer.raise_for_status()
        inputs = {k: v for k, v in props.items() if k not in ("subscriptionId", "status")}
        return ReadResult(id_, {**props, "status": answer.json()["_status"]}, inputs)  # as a refresh must

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _session().delete(_url(props["integrationKey"], id_), timeout=30).raise_for_status()

"""A toy dynamic provider for the local-engine tests: records in a JSON file, every call logged.

The store file comes from stack config ``toy:store`` (received in ``configure``). It holds
``{"records": {id: {...}}, "log": [{"method": ..., "name": ..., ...}]}`` so tests can assert
which RPCs ran, in which order, and tamper with records out of band. The module must be importable
by the engine and by the ``python -m pulumi.dynamic`` process (the tests put it on PYTHONPATH),
since dynamic providers are pickled by reference.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import contains_unknowns

INPUTS = ("value", "kind", "secret", "tags", "dbr", "failCreate", "failDelete", "slowCreate")
_LOCK = threading.Lock()


def load(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        return {"records": {}, "log": []}
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def save(path: str, data: dict[str, Any]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(tmp, path)


def _name(props: dict[str, Any]) -> str:
    return str(props.get("label", "?"))


class ToyProvider(ResourceProvider):
    """Stores records; ``engine_diff`` makes ``diff`` answer DIFF_UNKNOWN (changes=None)."""

    store = ""
    token_hash = ""

    def __init__(self, engine_diff: bool = False) -> None:
        super().__init__()
        self.engine_diff = engine_diff

    def configure(self, req: ConfigureRequest) -> None:
        self.store = req.config.require("toy:store")
        token = req.config.get("token") or ""
        self.token_hash = hashlib.sha256(token.encode()).hexdigest()[:12]

    def _log(self, method: str, **fields: Any) -> None:
        with _LOCK:
            data = load(self.store)
            data["log"].append({"method": method, **fields})
            save(self.store, data)

    def _mutate(self, fn: Any) -> Any:
        with _LOCK:
            data = load(self.store)
            result = fn(data["records"])
            save(self.store, data)
            return result

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._log(
            "check",
            name=_name(news),
            unknowns=contains_unknowns(news),
            token=self.token_hash,
            olds=bool(_olds),
            value=None if contains_unknowns(news.get("value")) else news.get("value"),
        )
        failures = []
        value = news.get("value")
        if isinstance(value, (int, float)) and value < 0:
            failures.append(CheckFailure("value", "must not be negative"))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in INPUTS if olds.get(k) != news.get(k)]
        self._log("diff", name=_name(news), id=id_, changed=changed, unknowns=contains_unknowns(news))
        if self.engine_diff:
            return DiffResult(changes=None)
        replaces = ["kind"] if "kind" in changed else []
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(news.get("dbr"))
        )

    def _outs(self, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != "__provider"}
        outs["computed"] = f"{props.get('kind')}:{id_}"
        return outs

    def create(self, props: dict[str, Any]) -> CreateResult:
        fail = props.get("failCreate")
        if fail:
            # an int asks for a message that long (provider errors can exceed gRPC's 8 KiB default)
            padding = "x" * int(fail) if not isinstance(fail, bool) else ""
            raise RuntimeError(f"toy create failed for {_name(props)}: failCreate is set{padding}END")
        self._log("create-start", name=_name(props))
        if props.get("slowCreate"):
            time.sleep(float(props["slowCreate"]))
        id_ = uuid.uuid4().hex[:8]
        record = {k: props[k] for k in ("label", *INPUTS) if k in props}
        self._mutate(lambda records: records.__setitem__(id_, record))
        self._log("create", name=_name(props), id=id_)
        return CreateResult(id_, self._outs(id_, props))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        record = {k: news[k] for k in ("label", *INPUTS) if k in news}
        self._mutate(lambda records: records.__setitem__(id_, record))
        self._log("update", name=_name(news), id=id_)
        return UpdateResult(self._outs(id_, news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        record = self._mutate(lambda records: records.get(id_))
        self._log("read", name=_name(props), id=id_, found=record is not None, token=self.token_hash)
        if record is None:
            return ReadResult(None, {})
        live = {**{k: v for k, v in props.items() if k not in INPUTS}, **record}
        outs = self._outs(id_, live)
        return ReadResult(id_, outs, {k: record[k] for k in ("label", *INPUTS) if k in record})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get("failDelete"):
            raise RuntimeError(f"toy delete failed for {_name(props)}: failDelete is set")
        self._mutate(lambda records: records.pop(id_, None))
        self._log("delete", name=_name(props), id=id_, token=self.token_hash)


class ToyRecord(Resource, module="toy", name="Record"):
    """``pulumi-python:dynamic/toy:Record``."""

    computed: pulumi.Output[str]
    value: pulumi.Output[Any]

    def __init__(
        self,
        name: str,
        *,
        value: Any = None,
        kind: str = "a",
        secret: Any = None,
        tags: Any = None,
        dbr: bool | None = None,
        fail_create: bool | int | None = None,
        fail_delete: bool | None = None,
        slow_create: float | None = None,
        engine_diff: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "label": name,
            "value": value,
            "kind": kind,
            "secret": secret,
            "tags": tags,
            "dbr": dbr,
            "failCreate": fail_create,
            "failDelete": fail_delete,
            "slowCreate": slow_create,
            "computed": None,
        }
        super().__init__(ToyProvider(engine_diff), name, props, opts)

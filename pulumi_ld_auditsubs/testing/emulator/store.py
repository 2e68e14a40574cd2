"""The emulator's state and rules: subscriptions per integration key, masking, patching, persistence.

Like moto's ``models.py``. One lock guards everything, so concurrent requests see each operation as
atomic. Stored documents hold plaintext secrets; :meth:`SubscriptionStore.represent` masks them with
:func:`~pulumi_ld_auditsubs.rules.masking.mask_secret` for every HTTP response, while the test hooks
(:meth:`~SubscriptionStore.snapshot`, :meth:`~SubscriptionStore.secret`) read the plaintext back.

Patching: the operations are applied one by one with ``jsonpatch`` to a deep copy of the editable
fields (``name``, ``config``, ``statements``, ``on``, ``tags`` and the legacy ``url``/``apiKey``, with
plaintext secrets; a ``test`` op therefore compares against plaintext). A secret set to a mask that
matches the stored value keeps the stored plaintext. The result is re-validated with the create rules
(defaults re-filled) and only then replaces the stored document, so a failed patch changes nothing.
A failed ``test`` op is a 400 ``invalid_request``, not a 409 (LaunchDarkly's choice is unknown).

Persistence (``state_file``): after every change the whole state is written as JSON **with plaintext
secrets** (this is a test tool) to a temporary file in the same directory, then ``os.replace``-d over
the old one, so a crash never leaves a torn file. The file is created with mode 0600.

Ids are MongoDB ObjectIds like LaunchDarkly's: 24 lowercase hex digits whose first 4 bytes are the
creation time in unix seconds (big-endian), then random bytes and a counter; unique in the store.

Delivery (:meth:`SubscriptionStore.deliver`, driven by ``POST /_emulator/events``): an event reaches
every enabled subscription whose statements match; each receiver's ``_status`` moves as
LaunchDarkly's does (``successCount``/``lastSuccess``, or ``errorCount``/``lastError`` and an
``errors`` entry ``{statusCode, responseBody, timestamp}``), timestamps in unix milliseconds, strictly
increasing within a store so "the last error is newer than the last success" is never a tie. A
subscription fails as :meth:`~SubscriptionStore.set_delivery_error` says until healed. The status and
the failure setting live in the stored document (persisted, kept across patches, never returned as
fields other than ``_status``). Choices where LaunchDarkly is silent: ``errors`` keeps the newest
:data:`MAX_ERROR_LOG` entries, oldest first; ``lastSuccess``/``lastError``/``errors`` are absent until
they have a value.

Not emulated: ``_access`` is always empty, there is no optimistic locking (409 only through fault
injection), and the list is never paginated.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonpatch
import jsonpointer

from pulumi_ld_auditsubs.rules.catalog import Catalog, Integration, load_catalog
from pulumi_ld_auditsubs.rules.masking import looks_masked, mask_matches, mask_secret
from pulumi_ld_auditsubs.testing._files import write_json_atomically
from pulumi_ld_auditsubs.testing.emulator.errors import InvalidRequest, NotFound
from pulumi_ld_auditsubs.testing.emulator.routes import API_PREFIX
from pulumi_ld_auditsubs.testing.emulator.validation import (
    EDITABLE_FIELDS,
    check_patch_paths,
    normalize_subscription,
)

STATE_FORMAT = "pulumi-ld-auditsubs-emulator-state"
STATE_VERSION = 1
_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")
_LEGACY_SECRET = "apiKey"
_STATUS = "_status"
_DELIVERY_ERROR = "_deliveryError"
_INTERNAL_FIELDS = (_STATUS, _DELIVERY_ERROR)
"""Stored beside the editable fields: delivery state that a PATCH must carry over, never edit."""
MAX_ERROR_LOG = 50
"""The spec's legacy top-level Datadog ``apiKey`` is treated as a secret, like ``config.apiKey``."""


class StateFileError(Exception):
    """The state file exists but cannot be read as emulator state."""


class SubscriptionStore:
    """All subscriptions, keyed by id in creation order; every public method is thread-safe."""

    def __init__(
        self, catalog: Catalog | None = None, state_file: str | os.PathLike[str] | None = None
    ) -> None:
        self.catalog = catalog if catalog is not None else load_catalog()
        self.state_file = Path(state_file) if state_file is not None else None
        self._lock = threading.RLock()
        self._subscriptions: dict[str, dict[str, Any]] = {}
        self._counter = secrets.randbelow(0x1000000)
        self._last_timestamp_ms = 0
        if self.state_file is not None and self.state_file.exists():
            self._load(self.state_file)

    # -- the five operations ------------------------------------------------------------------------

    def create(self, integration_key: str, body: object) -> dict[str, Any]:
        """Validate and store a new subscription; returns its masked representation."""
        integration = self.integration(integration_key)
        fields = normalize_subscription(body, integration)
        with self._lock:
            subscription_id = self._new_id()
            document = {"_id": subscription_id, "kind": integration_key, **fields}
            self._commit({**self._subscriptions, subscription_id: document})
            return self.represent(document)

    def collection(self, integration_key: str) -> dict[str, Any]:
        """The ``Integrations`` collection of one integration key, masked, in creation order."""
        self.integration(integration_key)
        with self._lock:
            items = [self.represent(d) for d in self._subscriptions.values() if d["kind"] == integration_key]
        return {
            "_links": {"self": _link(_collection_href(integration_key))},
            "items": items,
            "key": integration_key,
        }

    def get(self, integration_key: str, subscription_id: str) -> dict[str, Any]:
        """One subscription's masked representation."""
        with self._lock:
            return self.represent(self._require(integration_key, subscription_id))

    def patch(
        self, integration_key: str, subscription_id: str, operations: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Apply RFC 6902 ``operations`` atomically, re-validate, store; returns the masked result."""
        integration = self.integration(integration_key)
        check_patch_paths(operations)
        with self._lock:
            current = self._require(integration_key, subscription_id)
            patched = _apply(
                {key: copy.deepcopy(current[key]) for key in EDITABLE_FIELDS if key in current},
                operations,
            )
            _restore_masked_secrets(patched, current, integration)
            fields = normalize_subscription(patched, integration, previous_config=current["config"])
            document = {"_id": subscription_id, "kind": integration_key, **fields}
            document.update({key: current[key] for key in _INTERNAL_FIELDS if key in current})
            self._commit({**self._subscriptions, subscription_id: document})
            return self.represent(document)

    def delete(self, integration_key: str, subscription_id: str) -> None:
        """Remove a subscription; a second delete is a 404."""
        with self._lock:
            self._require(integration_key, subscription_id)
            self._commit({k: v for k, v in self._subscriptions.items() if k != subscription_id})

    # -- delivery simulation ------------------------------------------------------------------------

    def deliver(self, receives: Callable[[list[dict[str, Any]]], bool]) -> list[str]:
        """Deliver one event to every enabled subscription whose statements ``receives`` accepts.

        Returns ``<integrationKey>/<id>`` of each receiver, in creation order; each one's ``_status``
        records a success, or the failure set by :meth:`set_delivery_error`.
        """
        with self._lock:
            receivers = [
                d for d in self._subscriptions.values() if d["on"] is True and receives(d["statements"])
            ]
            if not receivers:
                return []
            updated = dict(self._subscriptions)
            for document in receivers:
                updated[document["_id"]] = {
                    **document,
                    _STATUS: _after_delivery(document, self._timestamp_ms()),
                }
            self._commit(updated)
            return [f"{d['kind']}/{d['_id']}" for d in receivers]

    def set_delivery_error(
        self, integration_key: str, subscription_id: str, error: Mapping[str, Any] | None
    ) -> None:
        """Make later deliveries to one subscription fail with ``error`` (``{statusCode,
        responseBody}``), or succeed again when ``error`` is None."""
        with self._lock:
            document = dict(self._require(integration_key, subscription_id))
            document.pop(_DELIVERY_ERROR, None)
            if error is not None:
                document[_DELIVERY_ERROR] = {
                    "statusCode": error["statusCode"],
                    "responseBody": error["responseBody"],
                }
            self._commit({**self._subscriptions, subscription_id: document})

    def _timestamp_ms(self) -> int:
        """Now in unix milliseconds, later than any timestamp this store handed out before."""
        self._last_timestamp_ms = max(int(time.time() * 1000), self._last_timestamp_ms + 1)
        return self._last_timestamp_ms

    # -- test hooks ---------------------------------------------------------------------------------

    def snapshot(self, integration_key: str | None = None) -> list[dict[str, Any]]:
        """Deep copies of the stored representations, with plaintext secrets."""
        with self._lock:
            return [
                self.represent(d, masked=False)
                for d in self._subscriptions.values()
                if integration_key is None or d["kind"] == integration_key
            ]

    def secret(self, integration_key: str, subscription_id: str, field: str) -> str:
        """The stored plaintext of ``config[field]`` (``KeyError`` if there is none)."""
        with self._lock:
            document = self._subscriptions.get(subscription_id)
            if document is None or document["kind"] != integration_key:
                raise KeyError(f"no subscription {integration_key}/{subscription_id}")
            if field not in document["config"]:
                raise KeyError(f"subscription {integration_key}/{subscription_id} has no config.{field}")
            return str(document["config"][field])

    def reset(self) -> None:
        """Forget every subscription (and persist that)."""
        with self._lock:
            self._commit({})

    # -- helpers ------------------------------------------------------------------------------------

    def integration(self, integration_key: str) -> Integration:
        """The catalog entry of ``integration_key``; an unknown key is a 404."""
        try:
            return self.catalog[integration_key]
        except KeyError:
            raise NotFound() from None

    def represent(self, document: Mapping[str, Any], *, masked: bool = True) -> dict[str, Any]:
        """The ``Integration`` representation of a stored document."""
        integration_key: str = document["kind"]
        secret_keys = (
            self.catalog[integration_key].secret_keys if integration_key in self.catalog else frozenset()
        )
        config = {
            key: mask_secret(value) if masked and key in secret_keys and isinstance(value, str) else value
            for key, value in document["config"].items()
        }
        representation: dict[str, Any] = {
            "_id": document["_id"],
            "kind": integration_key,
            "name": document["name"],
            "config": config,
            "statements": document["statements"],
            "on": document["on"],
            "tags": document["tags"],
        }
        if "url" in document:
            representation["url"] = document["url"]
        if _LEGACY_SECRET in document:
            value = document[_LEGACY_SECRET]
            representation[_LEGACY_SECRET] = mask_secret(value) if masked else value
        representation["_links"] = {
            "self": _link(f"{_collection_href(integration_key)}/{document['_id']}"),
            "parent": _link(_collection_href(integration_key)),
        }
        representation["_access"] = {"allowed": [], "denied": []}
        representation["_status"] = document.get(_STATUS, {"successCount": 0, "errorCount": 0})
        return copy.deepcopy(representation)

    def _require(self, integration_key: str, subscription_id: str) -> dict[str, Any]:
        self.integration(integration_key)
        document = self._subscriptions.get(subscription_id) if _ID_PATTERN.match(subscription_id) else None
        if document is None or document["kind"] != integration_key:
            raise NotFound()
        return document

    def _new_id(self) -> str:
        """A MongoDB ObjectId, like LaunchDarkly's: creation unix seconds (4 bytes, big-endian), then
        5 random bytes and a 3-byte counter, as 24 lowercase hex digits; unique in this store."""
        while True:
            self._counter = (self._counter + 1) % 0x1000000
            candidate = f"{int(time.time()) & 0xFFFFFFFF:08x}{secrets.token_hex(5)}{self._counter:06x}"
            if candidate not in self._subscriptions:
                return candidate

    def _commit(self, subscriptions: dict[str, dict[str, Any]]) -> None:
        """Persist ``subscriptions`` first, then make them current: a failed write changes nothing."""
        self._save(subscriptions)
        self._subscriptions = subscriptions

    def _save(self, subscriptions: dict[str, dict[str, Any]]) -> None:
        if self.state_file is None:
            return
        state = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "subscriptions": list(subscriptions.values()),
        }
        write_json_atomically(self.state_file, state)

    def _load(self, path: Path) -> None:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateFileError(f"cannot read emulator state file {path}: {exc}") from exc
        if (
            not isinstance(state, dict)
            or state.get("format") != STATE_FORMAT
            or state.get("version") != STATE_VERSION
            or not isinstance(state.get("subscriptions"), list)
        ):
            raise StateFileError(
                f"{path} is not an emulator state file (format {STATE_FORMAT} v{STATE_VERSION})"
            )
        for document in state["subscriptions"]:
            if not (
                isinstance(document, dict)
                and isinstance(document.get("_id"), str)
                and _ID_PATTERN.match(document["_id"])
                and isinstance(document.get("kind"), str)
                and all(key in document for key in ("name", "config", "statements", "on", "tags"))
            ):
                raise StateFileError(f"{path} holds a malformed subscription")
            self._subscriptions[document["_id"]] = document


def _after_delivery(document: Mapping[str, Any], timestamp_ms: int) -> dict[str, Any]:
    """The ``_status`` of ``document`` after one delivery attempt at ``timestamp_ms``."""
    status = copy.deepcopy(document.get(_STATUS, {"successCount": 0, "errorCount": 0}))
    failure = document.get(_DELIVERY_ERROR)
    if failure is None:
        status["successCount"] = status.get("successCount", 0) + 1
        status["lastSuccess"] = timestamp_ms
    else:
        status["errorCount"] = status.get("errorCount", 0) + 1
        status["lastError"] = timestamp_ms
        entry = {**failure, "timestamp": timestamp_ms}
        status["errors"] = [*status.get("errors", []), entry][-MAX_ERROR_LOG:]
    return dict(status)


def _apply(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    for index, operation in enumerate(operations):
        source = f"{operation['from']} -> " if "from" in operation else ""
        where = f"patch[{index}] ({operation['op']} {source}{operation['path']})"
        try:
            jsonpatch.JsonPatch([operation]).apply(document, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            raise InvalidRequest(f"{where}: test failed, the current value differs") from None
        except jsonpatch.JsonPatchConflict as exc:
            detail = str(exc)
            if " " not in detail:  # move/copy from a missing member says only "'name'"
                detail = f"{detail} does not exist"
            raise InvalidRequest(f"{where}: {detail}") from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise InvalidRequest(f"{where}: {exc}") from None
        except (KeyError, IndexError):
            raise InvalidRequest(f"{where}: the path does not exist") from None
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(f"{where}: cannot apply ({exc})") from None
    return document


def _restore_masked_secrets(
    patched: dict[str, Any], current: Mapping[str, Any], integration: Integration
) -> None:
    """A secret written back as its own mask keeps the stored plaintext."""
    config = patched.get("config")
    if isinstance(config, dict):
        for key in integration.secret_keys:
            stored = current["config"].get(key)
            value = config.get(key)
            if isinstance(stored, str) and _is_mask_of(value, stored):
                config[key] = stored
    stored_legacy = current.get(_LEGACY_SECRET)
    if isinstance(stored_legacy, str) and _is_mask_of(patched.get(_LEGACY_SECRET), stored_legacy):
        patched[_LEGACY_SECRET] = stored_legacy


def _is_mask_of(value: object, stored: str) -> bool:
    return isinstance(value, str) and value != stored and looks_masked(value) and mask_matches(value, stored)


def _collection_href(integration_key: str) -> str:
    return f"{API_PREFIX}/{quote(integration_key, safe='')}"


def _link(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/json"}

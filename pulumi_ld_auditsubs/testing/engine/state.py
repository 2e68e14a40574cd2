"""The stack's state file, ``<state-dir>/<stack>.json``, with every secret encrypted.

Secret values (anything the engine holds as a wrapped secret, ``__provider`` included) are stored as
``{"secure": "<base64 of nonce + AES-GCM ciphertext of the JSON value>"}``; a plain object that
happens to look like that is stored as ``{"plain": {...}}``, so decoding is unambiguous.

The 256-bit key is derived with scrypt (n=2**14, r=8, p=1) and a per-stack random salt from

* ``PULUMI_CONFIG_PASSPHRASE`` when that variable is set, even to an empty string, else the
  contents of the file named by ``PULUMI_CONFIG_PASSPHRASE_FILE`` (like Pulumi's passphrase
  secrets provider), or
* the random key in ``<state-dir>/secrets.key``, created once with mode 0600.

The choice is recorded in the file (``secrets.kind``) when it is first written and kept from then
on; an encrypted check value detects a wrong passphrase or key file before anything is used.

During an operation every finished step is appended to ``<stack>.journal`` (:mod:`.journal`), so a
step's save costs the same whatever the stack's size; the operation ends by writing the snapshot
(compact JSON; atomically: a temporary file in the same directory, fsync, then ``os.replace``) and
removing the journal. Loading replays a journal a killed run left behind, so a crash loses no
finished step; a create that was in flight is a pending operation (see :class:`PendingOperation`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pulumi_ld_auditsubs.testing._files import write_atomically
from pulumi_ld_auditsubs.testing.engine.errors import StateError
from pulumi_ld_auditsubs.testing.engine.journal import JournalWriter, Op, replay
from pulumi_ld_auditsubs.testing.engine.values import is_secret, reveal, unwrap_secret, wrap_secret

PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"
KEY_FILE_NAME = "secrets.key"
FORMAT_VERSION = 1
_CHECK_TEXT = "pulumi-ld-auditsubs local state"
_AAD = b"pulumi-ld-auditsubs/local-state/v1"


@dataclass
class ResourceState:
    """One resource as recorded after an operation."""

    urn: str
    type: str
    custom: bool
    id: str = ""
    parent: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    additional_secret_outputs: list[str] = field(default_factory=list)
    pending_delete: bool = False
    """An old resource replaced create-before-delete whose Delete has not happened yet."""
    ignore_changes: list[str] = field(default_factory=list)
    """Kept for refresh, which diffs with them like the engine (``RefreshStep.Apply``)."""
    provider: str = ""
    """A plugin resource's provider reference (``urn::id``), as Pulumi's state records it."""

    @property
    def name(self) -> str:
        """The resource name (last URN component)."""
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class PendingOperation:
    """A create that was sent to the provider and has not been recorded as done or failed.

    Written before ``Create`` is called, like the engine's ``pending_operations`` of type
    ``creating`` (``pkg/backend/journal.go``); if the run dies, the next one finds it here.
    """

    type: str
    urn: str
    resource: ResourceState
    """The resource as it would have been recorded, with the inputs Create was sent."""
    started: str
    """UTC time the operation started (ISO 8601), to help find what it made."""


@dataclass
class StackState:
    """Everything recorded for one stack."""

    project: str
    stack: str
    resources: list[ResourceState] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    provider_config: dict[str, Any] | None = None
    """The ``Configure`` arguments of the last ``up`` (secrets wrapped), reused by refresh/destroy."""
    pending: list[PendingOperation] = field(default_factory=list)

    def find(self, urn: str) -> ResourceState | None:
        """The live (not pending-delete) resource with this URN."""
        return next((r for r in self.resources if r.urn == urn and not r.pending_delete), None)


def _passphrase() -> bytes | None:
    """``PULUMI_CONFIG_PASSPHRASE`` (even if empty), else the file ``PULUMI_CONFIG_PASSPHRASE_FILE`` names."""
    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV].encode()
    if os.environ.get(PASSPHRASE_FILE_ENV):
        try:
            return Path(os.environ[PASSPHRASE_FILE_ENV]).read_bytes()
        except OSError as exc:
            raise StateError(f"cannot read {PASSPHRASE_FILE_ENV}: {exc}") from exc
    return None


class SecretBox:
    """AES-GCM encryption of JSON values with one derived key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def derive(cls, secret: bytes, salt: bytes) -> SecretBox:
        """Derive the key from a passphrase or key-file secret and the stack's salt."""
        key = hashlib.scrypt(secret, salt=salt, n=2**14, r=8, p=1, dklen=32)
        return cls(key)

    def encrypt(self, value: Any) -> str:
        """Ciphertext (base64) of ``value``'s JSON."""
        nonce = os.urandom(12)
        data = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        return base64.b64encode(nonce + self._aead.encrypt(nonce, data, _AAD)).decode()

    def decrypt(self, token: str) -> Any:
        """The value encrypted by :meth:`encrypt`; raises ``InvalidTag`` for a wrong key."""
        raw = base64.b64decode(token)
        return json.loads(self._aead.decrypt(raw[:12], raw[12:], _AAD))


def encode_value(value: Any, box: SecretBox) -> Any:
    """A value as stored: secrets encrypted, look-alike plain objects escaped."""
    if is_secret(value):
        return {"secure": box.encrypt(reveal(unwrap_secret(value)))}
    if isinstance(value, dict):
        encoded = {k: encode_value(v, box) for k, v in value.items()}
        return {"plain": encoded} if set(value) in ({"secure"}, {"plain"}) else encoded
    if isinstance(value, list):
        return [encode_value(v, box) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # numbers travel as doubles; store 3, not 3.0, as Pulumi's state does
    return value


def decode_value(value: Any, box: SecretBox | None) -> Any:
    """Inverse of :func:`encode_value`."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            if box is None:
                raise StateError("the state holds secrets but records no secrets configuration")
            return wrap_secret(box.decrypt(value["secure"]))
        if set(value) == {"plain"} and isinstance(value["plain"], dict):
            return {k: decode_value(v, box) for k, v in value["plain"].items()}
        return {k: decode_value(v, box) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v, box) for v in value]
    return value


class StateStore:
    """Reads and writes one stack's state file."""

    def __init__(self, state_dir: Path, stack: str) -> None:
        self.state_dir = state_dir
        self.path = state_dir / f"{stack}.json"
        self.journal_path = state_dir / f"{stack}.journal"
        self.stack = stack
        self._box: SecretBox | None = None
        self._secrets_meta: dict[str, Any] | None = None
        self._serial = 0
        self._on_disk = False
        self._journal: JournalWriter | None = None
        self._append_lock = threading.Lock()

    # -- key management ---------------------------------------------------------------------------

    def _secret_for(self, kind: str, *, create: bool) -> bytes:
        if kind == "passphrase":
            passphrase = _passphrase()
            if passphrase is None:
                raise StateError(
                    f"{self.path} was encrypted with a passphrase: set {PASSPHRASE_ENV} "
                    f"(or {PASSPHRASE_FILE_ENV}) to decrypt it"
                )
            return passphrase
        if kind == "keyfile":
            return self._key_file_secret(create=create)
        raise StateError(f"{self.path}: unknown secrets kind {kind!r}")

    def _key_file_secret(self, *, create: bool) -> bytes:
        key_path = self.state_dir / KEY_FILE_NAME
        if not create:
            if not key_path.is_file():
                raise StateError(f"{self.path} was encrypted with {key_path}, which is missing")
            return key_path.read_bytes().strip()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return key_path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(os.urandom(32)) + b"\n")
        return key_path.read_bytes().strip()

    def _open_box(self, meta: dict[str, Any]) -> SecretBox:
        secret = self._secret_for(str(meta.get("kind")), create=False)
        box = SecretBox.derive(secret, base64.b64decode(str(meta["salt"])))
        try:
            check = decode_value(meta["check"], box)
        except (InvalidTag, ValueError, KeyError) as exc:
            hint = (
                f"wrong {PASSPHRASE_ENV}?"
                if meta.get("kind") == "passphrase"
                else f"{self.state_dir / KEY_FILE_NAME} is not the key it was written with"
            )
            raise StateError(f"cannot decrypt the secrets in {self.path}: {hint}") from exc
        if check != wrap_secret(_CHECK_TEXT):
            raise StateError(f"cannot decrypt the secrets in {self.path}")
        return box

    def _box_for_write(self) -> SecretBox:
        if self._box is None:
            kind = "passphrase" if _passphrase() is not None else "keyfile"
            salt = os.urandom(16)
            self._box = SecretBox.derive(self._secret_for(kind, create=True), salt)
            self._secrets_meta = {
                "kind": kind,
                "salt": base64.b64encode(salt).decode(),
                "check": encode_value(wrap_secret(_CHECK_TEXT), self._box),
            }
        return self._box

    # -- load / save ------------------------------------------------------------------------------

    def _read_document(self) -> dict[str, Any] | None:
        """The snapshot with any journal a killed run left replayed onto it (still encoded)."""
        if not self.path.exists():
            if not self.journal_path.exists():
                return None
            raise StateError(f"{self.journal_path} exists without {self.path}: the state is incomplete")
        try:
            doc: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("version") != FORMAT_VERSION:
                raise StateError(f"{self.path}: unsupported state format version {doc.get('version')!r}")
            replay(doc, self.journal_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(f"cannot read {self.path}: {exc}") from exc
        return doc

    def load(self, project: str) -> StackState:
        """The recorded state, or an empty one if the stack has never been deployed."""
        doc = self._read_document()
        if doc is None:
            return StackState(project=project, stack=self.stack)
        self._serial = int(doc.get("serial", 0))
        self._on_disk = True
        meta = doc.get("secrets")
        if meta:
            self._box = self._open_box(meta)
            self._secrets_meta = meta
        try:
            resources = [self._decode_resource(raw) for raw in doc.get("resources", [])]
            pending = [
                PendingOperation(
                    type=str(raw["type"]),
                    urn=str(raw["urn"]),
                    resource=self._decode_resource(raw["resource"]),
                    started=str(raw.get("started", "")),
                )
                for raw in doc.get("pending_operations", [])
            ]
            outputs = decode_value(doc.get("outputs", {}), self._box)
            config = doc.get("provider_config")
            provider_config = None if config is None else unwrap_secret(decode_value(config, self._box))
        except (TypeError, KeyError, InvalidTag, ValueError) as exc:
            raise StateError(f"{self.path} is corrupt: {exc}") from exc
        return StackState(
            project=str(doc.get("project", project)),
            stack=self.stack,
            resources=resources,
            outputs=outputs,
            provider_config=provider_config,
            pending=pending,
        )

    def _decode_resource(self, raw: dict[str, Any]) -> ResourceState:
        return ResourceState(
            **{
                **raw,
                "inputs": decode_value(raw.get("inputs", {}), self._box),
                "outputs": decode_value(raw.get("outputs", {}), self._box),
            }
        )

    def encode_resource(self, resource: ResourceState) -> dict[str, Any]:
        """A resource as stored: secrets encrypted."""
        box = self._box_for_write()
        raw = asdict(resource)
        raw["inputs"] = encode_value(resource.inputs, box)
        raw["outputs"] = encode_value(resource.outputs, box)
        return raw

    def encode_pending(self, operation: PendingOperation) -> dict[str, Any]:
        """A pending operation as stored."""
        return {
            "type": operation.type,
            "urn": operation.urn,
            "resource": self.encode_resource(operation.resource),
            "started": operation.started,
        }

    def encode_provider_config(self, config: dict[str, Any]) -> Any:
        """The provider's configuration as stored: encrypted as a whole, since a token passed as
        plain config (not ``--secret``) must not be readable in the state either."""
        return self.encode(wrap_secret(config))

    def encode(self, value: Any) -> Any:
        """Any value as stored (secrets encrypted)."""
        return encode_value(value, self._box_for_write())

    def append(self, state: StackState, ops: Sequence[Op]) -> None:
        """Record one finished step (ops built with the ``encode_*`` methods) durably.

        The first append of a stack that has no state file yet writes the snapshot first (it
        carries the secrets configuration the journal's ciphertexts need).
        """
        with self._append_lock:  # steps append from several threads
            if not self._on_disk:
                self.save(state)
            if self._journal is None:
                self._journal = JournalWriter(self.journal_path, self._serial)
            journal = self._journal
        journal.append(ops)
        self._serial = journal.serial

    def save(self, state: StackState) -> None:
        """Write ``state`` as the snapshot (atomically, compact JSON), then drop the journal."""
        doc = {
            "version": FORMAT_VERSION,
            "serial": self._serial,
            "project": state.project,
            "stack": state.stack,
            "secrets": None,
            "outputs": self.encode(state.outputs),
            "provider_config": (
                None if state.provider_config is None else self.encode_provider_config(state.provider_config)
            ),
            "resources": [self.encode_resource(r) for r in state.resources],
            "pending_operations": [self.encode_pending(p) for p in state.pending],
        }
        doc["secrets"] = self._secrets_meta
        write_atomically(self.path, json.dumps(doc, separators=(",", ":")).encode() + b"\n")
        self._on_disk = True
        if self._journal is not None:
            self._journal.discard()
            self._journal = None
        else:
            self.journal_path.unlink(missing_ok=True)

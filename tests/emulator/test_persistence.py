"""``state_file``: subscriptions survive restarts, written atomically; and ``latency_ms``."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.emulator.store import StateFileError, SubscriptionStore

from ._support import Api, datadog_body


def test_subscriptions_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as emulator:
        api = Api(emulator)
        kept = api.created()
        gone = api.created(body=datadog_body(name="to delete"))
        api.patch("datadog", kept["_id"], [{"op": "replace", "path": "/name", "value": "patched"}])
        api.delete("datadog", gone["_id"])
    with Emulator(state_file=state) as restarted:
        api = Api(restarted)
        response = api.get("datadog", kept["_id"])
        assert response.status_code == 200
        assert response.json() == {**kept, "name": "patched"}
        assert api.get("datadog", gone["_id"]).status_code == 404
        assert restarted.secret("datadog", kept["_id"], "apiKey") == "dd-secret-api-key-0123"


def test_state_file_holds_plaintext_secrets_and_is_private(tmp_path: Path) -> None:
    state = tmp_path / "nested" / "state.json"
    with Emulator(state_file=state) as emulator:
        Api(emulator).created()
    document = json.loads(state.read_text())
    assert document["format"] == "pulumi-ld-auditsubs-emulator-state"
    assert document["subscriptions"][0]["config"]["apiKey"] == "dd-secret-api-key-0123"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as emulator:
        api = Api(emulator)
        for _ in range(5):
            api.created()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_changes_neither_the_file_nor_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.json"
    store = SubscriptionStore(state_file=state)
    store.create("datadog", datadog_body())
    before = state.read_bytes()

    def broken_fsync(fd: int) -> None:  # the disk fills up while the new state is being written
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.create("datadog", datadog_body(name="second"))
    assert state.read_bytes() == before
    assert len(store.snapshot()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "cannot read emulator state file"),
        ('{"format": "other", "version": 1, "subscriptions": []}', "is not an emulator state file"),
        (
            '{"format": "pulumi-ld-auditsubs-emulator-state", "version": 1, "subscriptions": [{"_id": "x"}]}',
            "malformed subscription",
        ),
    ],
)
def test_an_unreadable_state_file_is_a_clear_error(tmp_path: Path, content: str, fragment: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)
    with pytest.raises(StateFileError, match=fragment):
        Emulator(state_file=state)


def test_latency_delays_every_response() -> None:
    slept: list[float] = []
    with Emulator(latency_ms=150, sleep=slept.append) as emulator:
        api = Api(emulator)
        assert api.list().status_code == 200
        assert slept == [0.15]
        assert api.get("datadog", "fake-id").status_code == 404
        assert slept == [0.15, 0.15]


def test_latency_is_real_time_by_default() -> None:
    with Emulator(latency_ms=20) as emulator:
        started = time.monotonic()
        assert Api(emulator).list().status_code == 200
        assert time.monotonic() - started >= 0.02

"""The comment LaunchDarkly records with each change: the program's ``changeComment`` on every PATCH.

Terraform users asked for it (terraform-provider-launchdarkly#544). A comment is metadata of a
change, not part of the subscription, so changing it alone must never cause an update.
"""

from __future__ import annotations

from typing import Any

from provider_harness import EngineDrivenProvider, calls, datadog
from pulumi.runtime.proto import provider_pb2 as pb

from pulumi_ld_auditsubs.provider import PATCH_COMMENT
from pulumi_ld_auditsubs.testing import Emulator

COMMENT = "INC-4711: route production flags to the EU site (by platform team)"


def create(engine: EngineDrivenProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    created = engine.create(engine.checked(props))
    return created.id, created.outputs


def test_a_changed_comment_alone_is_no_change(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    id_, outputs = create(engine, datadog(changeComment="first"))
    emulator.clear_requests()

    diff = engine.diff(id_, outputs, engine.checked(datadog(changeComment="something else")))

    assert diff.changes == pb.DiffResponse.DIFF_NONE
    assert calls(emulator) == []


def test_the_patch_of_an_update_carries_the_programs_comment(
    engine: EngineDrivenProvider, emulator: Emulator
) -> None:
    id_, outputs = create(engine, datadog(changeComment="created"))
    news = engine.checked(datadog(name="Renamed", changeComment=COMMENT))
    assert engine.diff(id_, outputs, news).changes == pb.DiffResponse.DIFF_SOME
    emulator.clear_requests()

    updated = engine.update(id_, outputs, news)

    [patch] = emulator.requests
    assert patch.method == "PATCH"
    assert patch.body == {
        "comment": COMMENT,
        "patch": [{"op": "replace", "path": "/name", "value": "Renamed"}],
    }
    assert updated["changeComment"] == COMMENT


def test_state_without_a_comment_gets_the_fixed_one(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    """Resources written by an earlier release carry no changeComment; their PATCH still has a comment."""
    id_, outputs = create(engine, datadog())
    emulator.clear_requests()

    engine.update(id_, outputs, engine.checked(datadog(on=False)))

    [patch] = emulator.requests
    assert patch.body["comment"] == PATCH_COMMENT


def test_adoption_patch_carries_the_comment(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    existing, _ = create(engine, datadog(name="Made in the UI"))
    emulator.clear_requests()

    engine.create(engine.checked(datadog(adoptId=existing, changeComment=COMMENT)))

    assert [r.method for r in emulator.requests] == ["GET", "PATCH"]
    assert emulator.requests[1].body["comment"] == COMMENT


def test_a_comment_that_is_not_a_string_fails_check(engine: EngineDrivenProvider, emulator: Emulator) -> None:
    _, failures = engine.check(datadog(changeComment=42))

    assert failures == [
        ("changeComment", "must be a string: the comment LaunchDarkly records with each change; got a number")
    ]
    assert calls(emulator) == []

"""Run work items in parallel in dependency order, the way Pulumi's step executor runs chains.

An item starts once every item it waits for has finished successfully; an item whose prerequisite
failed (or was skipped) never starts. After a failure no new item starts unless
``continue_on_error`` is set (``pkg/resource/deploy/step_executor.go``, ``cancelDueToError``):
items already running always finish. Once ``cancelled()`` is true (a ^C) no new item starts either.
Every failure is returned, in the order they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def run_in_order(
    items: Sequence[T],
    waits_for: Callable[[int], Sequence[int]],
    work: Callable[[T], None],
    *,
    parallel: int,
    continue_on_error: bool = False,
    keep_going: Callable[[Exception], bool] = lambda _exc: False,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Exception]:
    """Run ``work(items[i])`` for every item, each after the items ``waits_for(i)`` (indices).

    ``keep_going(exc)`` says whether a failure still lets other items start (Pulumi continues past
    refused deletes of protected resources, for instance).
    """
    count = len(items)
    blockers = [set(waits_for(i)) - {i} for i in range(count)]
    dependents: list[list[int]] = [[] for _ in range(count)]
    for index, waits in enumerate(blockers):
        for blocker in waits:
            dependents[blocker].append(index)
    ready = [i for i in range(count) if not blockers[i]]
    errors: list[Exception] = []
    stopped = False
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="step") as pool:
        running: dict[Future[None], int] = {}
        while ready or running:
            while ready and not stopped and not cancelled():
                index = ready.pop(0)
                running[pool.submit(work, items[index])] = index
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                exc = future.exception()
                if exc is not None:
                    if not isinstance(exc, Exception):
                        raise exc
                    errors.append(exc)
                    if not (continue_on_error or keep_going(exc)):
                        stopped = True
                    continue  # its dependents never become ready
                for dependent in dependents[index]:
                    blockers[dependent].discard(index)
                    if not blockers[dependent]:
                        ready.append(dependent)
    return errors

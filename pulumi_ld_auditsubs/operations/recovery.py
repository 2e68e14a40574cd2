"""Create exactly once: POST, and when its answer is lost, late or unusable, find what *this* POST made.

LaunchDarkly has no idempotency key, so a create whose outcome is unknown
(:class:`~pulumi_ld_auditsubs.errors.OutcomeUnknownError`) is not re-sent blindly: an earlier POST
may still land. Instead the integration's subscriptions are listed, and a candidate must

* match the wanted document (name, on, statements, tags as a set, config; a masked secret must be
  consistent with the declared one), and
* have been created by this POST's time: its id is a MongoDB ObjectId whose first four bytes are the
  creation time in unix seconds, and
* not have been claimed already by another create of this provider process.

A match whose id second is at or after the second the POST was sent (this machine's clock) is
*this POST's*. A match created up to :data:`CLOCK_SKEW_SECONDS` earlier is *unsure*: it may be
this POST's (LaunchDarkly's clock a little behind ours) or an identical subscription someone made
just before; the provider never takes an unsure match. Older matches existed before and are ignored.

No list is sent before the POST, so a create stays one request when all goes well (rate limits are
per route, and the bulk path matters). Exactly one sure match and no unsure one is taken; several
matches, or an unsure one still there when the bounded wait-and-relist ends, fail listing their
ids and how to keep one. When the whole window finds nothing (a transient 500, 502 or 504, or a
connection dropped before the server acted), the POST is sent once more (:func:`create_exactly_once`
says why that is no riskier than the re-run it replaces); if that one's outcome is unknown too and
nothing is found, the create fails saying what to check. The one case timestamps cannot settle: an
identical subscription made by someone else within the same second as this POST, whose own create
did not land; then that one is taken (documented in docs/behaviour.md).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient
from pulumi_ld_auditsubs.errors import InvalidResponseError, LaunchDarklyError, OutcomeUnknownError
from pulumi_ld_auditsubs.rules.catalog import Integration
from pulumi_ld_auditsubs.rules.models import Subscription, comparable_live_document
from pulumi_ld_auditsubs.rules.patch import same_document
from pulumi_ld_auditsubs.rules.ref import SubscriptionRef, subscription_id_created_at

log = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 5.0
"""How far this machine's clock may run ahead of LaunchDarkly's (plus the id's 1 s resolution)."""
ANNOUNCE_WINDOW_SECONDS = 2.0
"""A recovery window at least this long is logged when it starts (the client logs its own waits)."""
_FIRST_WAIT = 0.25
_LONGEST_WAIT = 5.0

_CLAIMED: set[str] = set()
_CLAIMED_LOCK = threading.Lock()
_CREATE_LOCKS: dict[str, threading.Lock] = {}
_CREATE_LOCKS_LOCK = threading.Lock()


def claim(subscription_id: str) -> None:
    """Record that a resource of this process now owns ``subscription_id`` (never a candidate again)."""
    with _CLAIMED_LOCK:
        _CLAIMED.add(subscription_id)


@contextmanager
def one_identical_create_at_a_time(host: str, key: str, wanted: Mapping[str, Any]) -> Iterator[None]:
    """Serialize creates of identical documents in this process, so recovery knows which is whose.

    Two resources of one stack declaring the same subscription would otherwise race: one thread's
    recovery could take the other's fresh subscription before that thread claimed it.
    """
    digest = hashlib.sha256(json.dumps([host, key, wanted], sort_keys=True, default=str).encode()).hexdigest()
    with _CREATE_LOCKS_LOCK:
        lock = _CREATE_LOCKS.setdefault(digest, threading.Lock())
    with lock:
        yield


def create_exactly_once(
    client: LaunchDarklyClient,
    key: str,
    body: Mapping[str, Any],
    wanted: Mapping[str, Any],
    integration: Integration | None,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Subscription:
    """The subscription this create made: POSTed, found after a lost answer, or read back.

    Identical creates of this process take turns (:func:`one_identical_create_at_a_time`), and the
    result is claimed before the turn ends, so no other create can take it for its own.
    """
    started = time.time()
    with one_identical_create_at_a_time(client.host, key, wanted):
        try:
            created = _post_until_known(
                client, key, body, wanted, integration, wait_seconds=wait_seconds, sleep=sleep, clock=clock
            )
        except InvalidResponseError as unusable:
            if unusable.created_id is None:
                raise
            created = _read_back(client, key, unusable.created_id, wanted, integration, unusable, started)
        claim(created.id)
        return created


def _post_until_known(
    client: LaunchDarklyClient,
    key: str,
    body: Mapping[str, Any],
    wanted: Mapping[str, Any],
    integration: Integration | None,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Subscription:
    """POST ``body``; if its outcome is unknown, find what it created, and POST once more only when
    a whole recovery window found nothing.

    The one re-POST is no riskier than the ``pulumi up`` re-run it replaces, and better informed:
    a re-run would POST the same body with no memory of the first POST, while here it is sent only
    after :func:`find_created` listed for ``wait_seconds`` and found no match, and if its own answer
    is lost too, recovery counts candidates from the *first* POST's time, so a first POST that lands
    late is seen (two matches fail listing both) instead of taken for granted. What neither can
    prevent: a first POST that lands only after the re-POST's answer arrived leaves a second,
    identical subscription (LaunchDarkly has no idempotency key).
    """
    try:
        return client.create_subscription(key, body)
    except OutcomeUnknownError as lost:
        first = lost
    found = find_created(
        client, key, wanted, integration, first, wait_seconds=wait_seconds, sleep=sleep, clock=clock
    )
    if found is not None:
        return found
    log.warning(
        "create of %r: %s; no matching subscription appeared within %g s, so the POST is sent once more",
        wanted.get("name"),
        first,
        wait_seconds,
    )
    try:
        return client.create_subscription(key, body)
    except OutcomeUnknownError as lost:
        again = OutcomeUnknownError(
            f"{first}; sent once more after {wait_seconds:g} s of finding nothing, and again: {lost.args[0]}",
            method=lost.method,
            path=lost.path,
            sent_at=first.sent_at,  # the same rules for what counts as ours: since the first POST
        )
    found = find_created(
        client, key, wanted, integration, again, wait_seconds=wait_seconds, sleep=sleep, clock=clock
    )
    if found is None:
        raise LaunchDarklyError(_none_message(key, wanted, again, wait_seconds))
    return found


def _read_back(
    client: LaunchDarklyClient,
    key: str,
    subscription_id: str,
    wanted: Mapping[str, Any],
    integration: Integration | None,
    unusable: InvalidResponseError,
    started: float,
) -> Subscription:
    """Created, but its answer cannot be stored: read it back; it must be what was declared."""
    path = SubscriptionRef(key, subscription_id).path
    problem = str(unusable)
    try:
        live = client.get_subscription(key, subscription_id)
        if same_subscription(live, wanted, integration):
            return live
        problem += f"; GET {path} is not the declared subscription"
    except LaunchDarklyError as exc:
        problem += f"; reading it back failed too ({exc})"
    raise LaunchDarklyError(
        f"{problem}. Nothing was stored and the POST was not re-sent. "
        f"{what_to_check(key, wanted.get('name'), started)}; or delete it in LaunchDarkly"
    )


def find_created(
    client: LaunchDarklyClient,
    key: str,
    wanted: Mapping[str, Any],
    integration: Integration | None,
    lost: OutcomeUnknownError,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Subscription | None:
    """The subscription the POST behind ``lost`` created, or None when the whole window found no match.

    Raises LaunchDarklyError when it cannot be certain (several matches, or one made just before the
    POST) or when listing fails.
    """
    deadline = clock() + wait_seconds
    wait = _FIRST_WAIT
    lists = 0
    if wait_seconds >= ANNOUNCE_WINDOW_SECONDS:  # a wait the user sees, not a hang
        log.info(
            "create of %r: %s; looking for the subscription it made: listing %s for up to %g s",
            wanted.get("name"),
            lost,
            key,
            wait_seconds,
        )
    while True:
        lists += 1
        try:
            listed = client.list_subscriptions(key)
        except LaunchDarklyError as exc:
            raise LaunchDarklyError(
                f"{lost}. Looking for what it created failed too ({exc}), and the POST was not sent again. "
                f"{what_to_check(key, wanted.get('name'), lost.sent_at)}; "
                "if there is none, run `pulumi up` again"
            ) from None
        matches = [
            item
            for item in listed
            if _recent_unclaimed(item, lost.sent_at) and same_subscription(item, wanted, integration)
        ]
        sure = [item for item in matches if _created_since(item, lost.sent_at)]
        unsure = [item for item in matches if item not in sure]
        if len(sure) == 1 and not unsure:
            found = sure[0]
            log.info(
                "create of %r: the answer to %s %s was lost; found the subscription it made, %s",
                wanted.get("name"),
                lost.method,
                lost.path,
                found.id,
            )
            return found
        if len(matches) > 1:
            raise LaunchDarklyError(_several_message(key, lost, matches))
        left = deadline - clock()
        if left <= 0:
            if unsure:  # made just before the POST was sent: ours, or someone else's identical one
                raise LaunchDarklyError(_several_message(key, lost, unsure))
            log.info(
                "create of %r: %d lists of %s in %g s found nothing",
                wanted.get("name"),
                lists,
                key,
                wait_seconds,
            )
            return None
        sleep(min(wait, left))
        wait = min(wait * 2, _LONGEST_WAIT)


def _recent_unclaimed(item: Subscription, sent_at: float) -> bool:
    """Created no earlier than the clock-skew allowance before the POST, and not taken in this process."""
    with _CLAIMED_LOCK:
        if item.id in _CLAIMED:
            return False
    return subscription_id_created_at(item.id) >= sent_at - CLOCK_SKEW_SECONDS


def _created_since(item: Subscription, sent_at: float) -> bool:
    """Created in or after the second the POST was sent (ids have one-second resolution)."""
    return subscription_id_created_at(item.id) >= math.floor(sent_at)


def same_subscription(
    candidate: Subscription | Mapping[str, Any], wanted: Mapping[str, Any], integration: Integration | None
) -> bool:
    """Whether a listed subscription is the wanted document, by :func:`.patch.same_document`'s rules."""
    try:
        live = comparable_live_document(candidate, integration)
    except ValueError:  # not a subscription at all (pydantic's ValidationError is a ValueError)
        return False
    return same_document(live, wanted, integration)


def _when(subscription_id: str) -> str:
    created = datetime.datetime.fromtimestamp(
        subscription_id_created_at(subscription_id), datetime.timezone.utc
    )
    return created.strftime("%Y-%m-%dT%H:%M:%SZ")


def _several_message(key: str, lost: OutcomeUnknownError, candidates: list[Subscription]) -> str:
    listed = ", ".join(f"{c.id} (created {_when(c.id)})" for c in candidates)
    if len(candidates) == 1:
        return (
            f"{lost}. One subscription matching this resource, {listed}, was created just before the "
            "POST was sent by this machine's clock: it is either the one this POST made (if "
            "LaunchDarkly's clock runs behind this machine's) or an identical one made by someone else, "
            "so the provider took none and sent nothing more. If it is this resource's, set "
            f'adopt_id="{key}/{candidates[0].id}" on it; if it belongs to someone else, run '
            "`pulumi up` again"
        )
    return (
        f"{lost}. {len(candidates)} subscriptions matching this resource were created around the time "
        f"it was sent: {listed}. The provider cannot tell which one is its own, so it took none and "
        f'sent nothing more. Keep one: set adopt_id="{key}/<id>" on this resource to one of those ids, '
        "delete the others in LaunchDarkly, then run `pulumi up` again"
    )


def _none_message(key: str, wanted: Mapping[str, Any], lost: OutcomeUnknownError, wait_seconds: float) -> str:
    return (
        f"{lost}. The outcome is unknown: after each POST, no new matching subscription appeared within "
        f"{wait_seconds:g} s of listing {key}, and it is not sent a third time because both may still land. "
        f"{what_to_check(key, wanted.get('name'), lost.sent_at)}; if there is none, run `pulumi up` again "
        "(raise ld-auditsubs:createRecoverySeconds to wait longer)"
    )


def what_to_check(key: str, name: object, since: float) -> str:
    """Tell the user how to settle an unknown outcome by hand: look, then adopt or re-run."""
    sent = datetime.datetime.fromtimestamp(since, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"Check LaunchDarkly for a {key!r} subscription named {name!r} created after {sent}: "
        f'if there is one, set adopt_id="{key}/<its id>" on this resource and run `pulumi up`'
    )

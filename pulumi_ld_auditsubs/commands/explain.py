"""``pulumi-ld-auditsubs explain``: which enabled subscriptions would receive one audit event.

The question an auditor asks ("does a change to the checkout flag in production reach our SIEM?"),
answered from the account as it is: every subscription is read (as ``health`` reads them) and each
enabled one's statements are tested with :func:`pulumi_ld_auditsubs.rules.coverage.matches`, the same
function the emulator delivers with and users' unit tests call. Exit codes, for CI gates: 0 when at
least one enabled subscription receives the event, 1 when none does, 2 when it cannot tell (a
malformed or non-concrete resource, a misspelt action, no token, an API error).

The resource and action are checked before anything is read: an event names one concrete resource
and one action, so globs are refused, and a near miss of a known action (``updateOnn``) is an error
rather than a confident "nobody receives it" (or, worse, a match by a ``*`` statement).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pulumi_ld_auditsubs.commands.export_render import FoundSubscription
from pulumi_ld_auditsubs.commands.health import (
    EXIT_CANNOT_TELL,
    EXIT_FOUND_PROBLEM,
    EXIT_OK,
    AccountReadError,
    add_account_arguments,
    read_account,
)
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.coverage import matches
from pulumi_ld_auditsubs.rules.policy import SpecifierError, action_problem, parse_specifier, resource_problem


class EventError(ValueError):
    """The event asked about is not one LaunchDarkly could send; worded for the user."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``explain`` subcommand's arguments."""
    parser.add_argument(
        "--resource",
        required=True,
        metavar="SPEC",
        help="one concrete resource in specifier syntax with its tags, "
        "e.g. proj/web;mobile:env/production:flag/checkout;beta",
    )
    parser.add_argument("--action", required=True, metavar="ACTION", help="one action name, e.g. updateOn")
    add_account_arguments(parser)


def check_event(resource: str, action: str) -> None:
    """Refuse an event LaunchDarkly could not send (see the module docstring)."""
    try:
        levels = parse_specifier(resource)
    except SpecifierError as exc:
        raise EventError(f"--resource {resource!r} {exc}") from None
    if any("*" in (level.name or "") or any("*" in tag for tag in level.tags) for level in levels):
        raise EventError(
            f"--resource {resource!r} has a glob; an event is about one resource: name it, "
            "e.g. proj/web:env/production:flag/checkout"
        )
    problem = resource_problem(resource)
    if problem is not None:
        raise EventError(f"--resource {resource!r} {problem}")
    if "*" in action:
        raise EventError(f"--action {action!r} has a glob; an event has one action, such as updateOn")
    problem = action_problem(action)
    if problem is not None:
        raise EventError(f"--action: {problem}")


def receivers(found: Sequence[FoundSubscription], resource: str, action: str) -> list[FoundSubscription]:
    """The enabled subscriptions whose statements take the event, in the order given."""
    return [f for f in found if f.subscription.on and matches(f.subscription.statements, resource, action)]


def run(args: argparse.Namespace) -> int:
    """Answer the question; 0 someone receives the event, 1 nobody does, 2 cannot tell."""
    try:
        check_event(args.resource, args.action)
        found = read_account(args, load_catalog())
        receiving = receivers(found, args.resource, args.action)
    except (EventError, AccountReadError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_TELL
    ordered = sorted(receiving, key=lambda f: (f.integration_key, f.subscription.name, f.subscription.id))
    if args.json:
        listed = [
            {"integrationKey": f.integration_key, "id": f.subscription.id, "name": f.subscription.name}
            for f in ordered
        ]
        print(json.dumps({"receivers": listed}, indent=2))
    else:
        _print_answer(ordered, found, args.resource, args.action)
    return EXIT_OK if ordered else EXIT_FOUND_PROBLEM


def _print_answer(
    ordered: Sequence[FoundSubscription], found: Sequence[FoundSubscription], resource: str, action: str
) -> None:
    event = f"{action} on {resource}"
    if ordered:
        print(f"{event} reaches {len(ordered)} enabled subscription{'s' if len(ordered) != 1 else ''}:")
        for f in ordered:
            print(f"  {f.integration_key}/{f.subscription.id}  {f.subscription.name!r}")
        return
    print(f"No enabled subscription receives {event} ({len(found)} subscriptions read).")
    disabled = [
        f for f in found if not f.subscription.on and matches(f.subscription.statements, resource, action)
    ]
    for f in disabled:
        print(f"  would reach {f.integration_key}/{f.subscription.id} {f.subscription.name!r} if it were on")

"""``pulumi-ld-auditsubs health``: which audit log streams have stopped delivering.

LaunchDarkly records each subscription's deliveries in ``_status`` (``successCount``, ``errorCount``,
``lastSuccess``, ``lastError``, and an ``errors`` log of ``{statusCode, responseBody, timestamp}``),
but nothing warns anyone when a SIEM starts answering 403. This command reads every subscription
(of the catalog's integrations, or of the ``--integration`` keys) and judges each enabled one:
**failing** when its last error is newer than its last success, or it has errors and no success.
Exit codes, for CI gates: 0 when no enabled subscription is failing, 1 when one is, 2 when it cannot
tell (bad arguments, no token, an API error).

Reading the account (credentials, host, one list request per integration) is ``export``'s own code;
``explain`` reads through :func:`read_account` too. Config values are never printed. The last
error's ``responseBody`` is the destination's answer and may echo a credential, so it is scrubbed of
every registered secret (the token, and the subscriptions' credential URLs) and of anything that
fits the visible ends of a masked secret value.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pulumi_ld_auditsubs.api.settings import TOKEN_ENV
from pulumi_ld_auditsubs.commands.export import (
    API_HOST_HELP,
    CREDENTIALS_HELP,
    ExportError,
    _client,
    read_subscriptions,
)
from pulumi_ld_auditsubs.commands.export_render import FoundSubscription
from pulumi_ld_auditsubs.errors import REDACTED, LaunchDarklyError, register_secret, scrub
from pulumi_ld_auditsubs.rules.catalog import Catalog, load_catalog
from pulumi_ld_auditsubs.rules.masking import MASK_CHAR, looks_masked
from pulumi_ld_auditsubs.rules.models import Subscription

EXIT_OK = 0
EXIT_FOUND_PROBLEM = 1
EXIT_CANNOT_TELL = 2
TEXT_BODY_LIMIT = 200
"""Characters of a response body shown in the text report (``--json`` carries it whole)."""

State = Literal["failing", "delivering", "idle", "off"]


class AccountReadError(Exception):
    """The account's subscriptions cannot be read; worded for the person who ran the command."""


# -- reading the account (shared with ``explain``) ------------------------------------------------


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    """``--integration``, ``--api-host`` and ``--json``, as ``health`` and ``explain`` take them."""
    parser.add_argument(
        "--integration",
        action="append",
        default=[],
        metavar="KEY",
        help="only this integration's subscriptions; repeatable. Also reaches integrations the catalog "
        "does not know (default: every integration in the catalog)",
    )
    parser.add_argument("--api-host", default=None, metavar="URL", help=API_HOST_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.epilog = CREDENTIALS_HELP


def read_account(args: argparse.Namespace, catalog: Catalog) -> list[FoundSubscription]:
    """Every subscription of ``args.integration`` (default: the catalog's keys), read-only."""
    if not os.environ.get(TOKEN_ENV):
        raise AccountReadError(
            f"no LaunchDarkly access token: set {TOKEN_ENV} (a token with reader access to "
            "integrations is enough; this command never writes)"
        )
    try:
        client = _client(args.api_host)
        return read_subscriptions(client, catalog, args.integration or list(catalog), [])
    except (ExportError, LaunchDarklyError) as exc:
        raise AccountReadError(str(exc)) from exc


# -- judging one stream ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryError:
    """One entry of ``_status.errors``: what the destination answered, and when."""

    status_code: int | None
    response_body: str
    """Scrubbed of secrets (see the module docstring)."""
    timestamp: int | None
    """Unix milliseconds."""


@dataclass(frozen=True)
class StreamHealth:
    """One subscription's delivery record, judged."""

    integration_key: str
    id: str
    """LaunchDarkly's ``_id``."""
    name: str
    on: bool
    success_count: int
    error_count: int
    last_success: int | None
    """Unix milliseconds of the last delivered event, if any."""
    last_error: int | None
    """Unix milliseconds of the last failed delivery, if any."""
    last_error_detail: DeliveryError | None

    @property
    def failing(self) -> bool:
        """Enabled, and its last error is newer than its last success (or it never succeeded)."""
        return self.on and delivery_failing(
            self.last_success, self.last_error, self.success_count, self.error_count
        )

    @property
    def state(self) -> State:
        """``failing``, ``delivering`` (has delivered), ``idle`` (nothing tried yet) or ``off``."""
        if not self.on:
            return "off"
        if self.failing:
            return "failing"
        return "delivering" if self.success_count or self.last_success is not None else "idle"

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` entry: the contract's five fields first, then the record."""
        detail = self.last_error_detail
        return {
            "integrationKey": self.integration_key,
            "id": self.id,
            "name": self.name,
            "on": self.on,
            "healthy": not self.failing,
            "state": self.state,
            "successCount": self.success_count,
            "errorCount": self.error_count,
            "lastSuccess": self.last_success,
            "lastError": self.last_error,
            "lastErrorDetail": None
            if detail is None
            else {
                "statusCode": detail.status_code,
                "responseBody": detail.response_body,
                "timestamp": detail.timestamp,
            },
        }


def delivery_failing(
    last_success: int | None, last_error: int | None, success_count: int, error_count: int
) -> bool:
    """LaunchDarkly's ``_status`` says the stream fails: an error after the last success, or errors
    and never a success. A tie in milliseconds counts as delivering (the newest answer is unknown)."""
    if last_error is not None and last_success is not None:
        return last_error > last_success
    if last_success is not None or success_count > 0:
        return False
    return last_error is not None or error_count > 0


def assess(found: FoundSubscription, catalog: Catalog) -> StreamHealth:
    """Judge one subscription from its ``_status`` (every field optional, as in LaunchDarkly's spec)."""
    item = found.subscription
    status: Mapping[str, Any] = item.status or {}
    raw_errors = status.get("errors")
    errors = [e for e in raw_errors if isinstance(e, dict)] if isinstance(raw_errors, list) else []
    last_entry = _newest(errors)
    last_error = _int(status.get("lastError"))
    entry_time = _int(last_entry.get("timestamp")) if last_entry is not None else None
    if entry_time is not None:
        last_error = max(last_error or 0, entry_time)
    detail = None
    if last_entry is not None:
        body = last_entry.get("responseBody")
        detail = DeliveryError(
            status_code=_int(last_entry.get("statusCode")),
            response_body=scrub_response_body(
                body if isinstance(body, str) else "", found.integration_key, _config_values(item), catalog
            ),
            timestamp=_int(last_entry.get("timestamp")),
        )
    return StreamHealth(
        integration_key=found.integration_key,
        id=item.id,
        name=item.name,
        on=item.on,
        success_count=_int(status.get("successCount")) or 0,
        error_count=max(_int(status.get("errorCount")) or 0, len(errors)),
        last_success=_int(status.get("lastSuccess")),
        last_error=last_error,
        last_error_detail=detail,
    )


def _config_values(item: Subscription) -> dict[str, Any]:
    """The config, plus the legacy top-level ``url`` (Slack) and ``apiKey`` (Datadog) credentials."""
    values = dict(item.config)
    for legacy in ("url", "apiKey"):
        if legacy in (item.model_extra or {}):
            values.setdefault(legacy, (item.model_extra or {})[legacy])
    return values


def _newest(errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The latest entry of an error log (by timestamp; the later one in the list on a tie)."""
    if not errors:
        return None
    return max(enumerate(errors), key=lambda pair: (_int(pair[1].get("timestamp")) or 0, pair[0]))[1]


def scrub_response_body(body: str, integration_key: str, config: object, catalog: Catalog) -> str:
    """``body`` without the subscription's secrets: credential values LaunchDarkly returns in plain
    text are registered and scrubbed; a masked value (``abc****xyz``) hides its secret, so any token
    starting and ending with its visible characters is redacted too. Outside the catalog, where the
    secret fields are unknown, every config string is treated as one."""
    if isinstance(config, Mapping):
        integration = catalog.get(integration_key)
        secret_keys = integration.state_secret_keys if integration is not None else None
        for key, value in config.items():
            if not isinstance(value, str) or (secret_keys is not None and key not in secret_keys):
                continue
            if looks_masked(value):
                body = _redact_masked(body, value)
            else:
                register_secret(value)
    return scrub(body)


def _redact_masked(body: str, masked: str) -> str:
    head = masked[: masked.index(MASK_CHAR)]
    tail = masked[masked.rindex(MASK_CHAR) + 1 :]
    if not head and not tail:
        return body  # an all-asterisk mask shows nothing to look for
    pattern = re.escape(head) + r"[^\s\"'<>,;]*" + re.escape(tail)
    return re.sub(pattern, REDACTED, body)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- the command ------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``health`` subcommand's arguments."""
    add_account_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Report every stream's health; 0 all enabled ones deliver, 1 one fails, 2 cannot tell."""
    catalog = load_catalog()
    try:
        found = read_account(args, catalog)
    except AccountReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_TELL
    streams = sorted((assess(f, catalog) for f in found), key=lambda s: (s.integration_key, s.name, s.id))
    if args.json:
        print(json.dumps({"subscriptions": [s.to_json() for s in streams]}, indent=2))
    else:
        _print_report(streams)
    return EXIT_FOUND_PROBLEM if any(s.failing for s in streams) else EXIT_OK


def _print_report(streams: Sequence[StreamHealth]) -> None:
    for stream in streams:
        line = (
            f"{stream.state.upper():<10} {stream.integration_key}/{stream.id}  {_printable(stream.name)!r}  "
            f"{stream.success_count} delivered, {stream.error_count} failed"
        )
        if stream.last_success is not None:
            line += f"; last success {_when(stream.last_success)}"
        detail = stream.last_error_detail
        if stream.last_error is not None or detail is not None:
            line += f"; last error {_when(stream.last_error)}"
            if detail is not None:
                code = detail.status_code if detail.status_code is not None else "?"
                line += f": HTTP {code} {_printable(detail.response_body, TEXT_BODY_LIMIT)!r}"
        print(line)
    counts = {
        state: sum(s.state == state for s in streams) for state in ("failing", "delivering", "idle", "off")
    }
    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    print(f"{len(streams)} subscription{'s' if len(streams) != 1 else ''}: {summary}")


def _when(timestamp_ms: int | None) -> str:
    if timestamp_ms is None:
        return "at an unknown time"
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(timestamp_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _printable(text: str, limit: int | None = None) -> str:
    """One line of text a terminal shows as it is: control characters become spaces, and long text is
    cut (a destination's answer can be an HTML page)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat

"""``pulumi-ld-auditsubs export``: every audit log subscription of an account as a Pulumi project.

Reads with the provider's client (``LAUNCHDARKLY_ACCESS_TOKEN``; ``LAUNCHDARKLY_API_HOST`` or
``--api-host``), one list request per integration: the catalog's 20 keys, or the ``--integration``
keys given (the only way to reach an integration the catalog does not know, since LaunchDarkly
lists subscriptions per integration key). Everything is read before anything is written, so a
failed read leaves no half-written directory. The files come from :mod:`.export_render`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from pulumi_ld_auditsubs._version import __version__
from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, client_for
from pulumi_ld_auditsubs.api.settings import (
    ALLOW_UNKNOWN_KEY,
    DEFAULT_HOST,
    EU_HOST,
    FEDERAL_HOST,
    HOST_ENV,
    TOKEN_ENV,
    ProviderSettings,
)
from pulumi_ld_auditsubs.commands.export_render import ExportedProject, FoundSubscription, render_project
from pulumi_ld_auditsubs.errors import LaunchDarklyError, NotFoundError
from pulumi_ld_auditsubs.rules.catalog import Catalog, load_catalog

DISTRIBUTION = "pulumi-ld-auditsubs"


CREDENTIALS_HELP = (
    f"Where the host and the token come from, first found wins. The host: --api-host URL, else the "
    f"environment variable {HOST_ENV}, else {DEFAULT_HOST} (EU: {EU_HOST}, federal: {FEDERAL_HOST}). "
    f"The token: the environment variable {TOKEN_ENV} (reader access to integrations is enough: this "
    "command only reads). It does not read stack config (launchdarkly:accessToken, "
    "launchdarkly:apiHost); its messages name the setting each value came from."
)
"""The ``--help`` epilog of ``export``, ``health`` and ``explain``, which read an account alike."""
API_HOST_HELP = f"LaunchDarkly's API host; wins over {HOST_ENV} (default: {DEFAULT_HOST})"


class ExportError(Exception):
    """A reason the export cannot go on, worded for the person who ran it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``export`` subcommand's arguments."""
    parser.add_argument("--output", "-o", type=Path, required=True, metavar="DIR", help="directory to write")
    parser.add_argument("--stack", default="dev", help="stack name for Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument(
        "--integration",
        action="append",
        default=[],
        metavar="KEY",
        help="export only this integration's subscriptions; repeatable. Also reaches integrations the "
        "catalog does not know (default: every integration in the catalog)",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="export only subscriptions carrying this tag; repeatable (a subscription needs all of them)",
    )
    parser.add_argument("--api-host", default=None, metavar="URL", help=API_HOST_HELP)
    parser.add_argument("--force", action="store_true", help="write into DIR even if it is not empty")
    parser.epilog = CREDENTIALS_HELP


def run(args: argparse.Namespace) -> int:
    """Export; returns the process exit code (2 for bad arguments, 1 when LaunchDarkly fails)."""
    try:
        client = _client(args.api_host)
        _check_output_dir(args.output, force=args.force)
        stack = _check_stack(args.stack)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    catalog = load_catalog()
    try:
        found = read_subscriptions(client, catalog, args.integration or list(catalog), args.tag)
    except (ExportError, LaunchDarklyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    exported = render_project(
        found,
        catalog=catalog,
        project=project_name(args.output),
        stack=stack,
        requirements=requirements_txt(),
        api_host=client.host,
    )
    write_project(args.output, exported)
    _report(exported, args.output, stack)
    return 0


def read_subscriptions(
    client: LaunchDarklyClient, catalog: Catalog, integration_keys: Iterable[str], tags: Sequence[str]
) -> list[FoundSubscription]:
    """Every subscription of the given integrations that carries all of ``tags``."""
    found: list[FoundSubscription] = []
    for key in dict.fromkeys(integration_keys):
        try:
            items = client.list_subscriptions(key)
        except NotFoundError as exc:
            known = "" if key in catalog else f"; keys in the catalog: {', '.join(catalog)}"
            raise ExportError(f"LaunchDarkly has no integration {key!r}{known}") from exc
        for item in items:
            if set(tags) <= set(item.tags):
                found.append(FoundSubscription(key, item))
    return found


def write_project(directory: Path, exported: ExportedProject) -> None:
    """Write the files, creating ``directory`` if needed."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in exported.files.items():
        (directory / name).write_text(text, encoding="utf-8")


def project_name(directory: Path) -> str:
    """A Pulumi project name from the directory's name."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", directory.resolve().name).strip("-.")
    return name or "ld-auditsubs-export"


def requirements_txt() -> str:
    """Requirements that install this library the way the exporter itself was installed.

    The package is not on PyPI yet, so a bare name may not resolve: from a checkout or a wheel file
    the requirement points at that path (``pulumi-ld-auditsubs @ file:///...``); from an index it
    is the installed version up to the next major one.
    """
    return f"{library_requirement()}\npulumi>=3.216,<4\n"


def library_requirement() -> str:
    """The requirement line for this library (see :func:`requirements_txt`)."""
    try:
        direct_url = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    if direct_url:
        url = json.loads(direct_url).get("url", "")
        if isinstance(url, str) and url.startswith("file://"):
            return f"{DISTRIBUTION} @ {url}"
    major = int(__version__.split(".")[0])
    return f"{DISTRIBUTION}>={__version__},<{major + 1}"


def _client(api_host: str | None) -> LaunchDarklyClient:
    """A read-only client from the environment (``--api-host`` wins over ``LAUNCHDARKLY_API_HOST``)."""
    try:
        settings = ProviderSettings.resolve({}, api_host_flag=api_host)
    except LaunchDarklyError as exc:
        raise ExportError(str(exc)) from None
    if settings.token is None:
        raise ExportError(
            "no LaunchDarkly access token: set LAUNCHDARKLY_ACCESS_TOKEN (a token with reader access "
            "to integrations is enough; export never writes)"
        )
    return client_for(settings)


def _check_output_dir(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"--output {str(directory)!r} is a file, not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ExportError(
            f"--output {str(directory)!r} is not empty; choose an empty or new directory, or pass --force "
            "to overwrite the exported files in it (a Pulumi.<stack>.yaml there is replaced too)"
        )


def _check_stack(stack: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", stack):
        raise ExportError(f"--stack {stack!r}: use only letters, digits, '-', '_' and '.'")
    return stack


def _report(exported: ExportedProject, directory: Path, stack: str) -> None:
    print(f"{exported.summary()} into {directory}")
    for warning in exported.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if exported.unknown_integrations:
        print(
            f"{', '.join(exported.unknown_integrations)}: not in this provider's catalog; the stack file "
            f'sets {ALLOW_UNKNOWN_KEY} to "true" so that they can be managed'
        )
    print(f"Before `pulumi up`, in {directory}, set the stack's secrets (pulumi prompts for each value):")
    print(f"  pulumi config set --stack {stack} --secret launchdarkly:accessToken")
    for secret in exported.secrets:
        print(f"  {secret.command(stack)}  # {secret.about}")
    print("These commands are also in README.md there.")

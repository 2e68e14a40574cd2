"""``pulumi-ld-auditsubs export`` as a user runs it: arguments, filters, refusals and guidance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from packaging.requirements import Requirement

from pulumi_ld_auditsubs import __version__
from pulumi_ld_auditsubs.commands.cli import main
from pulumi_ld_auditsubs.commands.export import library_requirement
from pulumi_ld_auditsubs.testing import Emulator

from .support import TOKEN, UNKNOWN_KEY, api, catalog_with_unknown_integration, seed


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def export(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``pulumi-ld-auditsubs export ARGS`` in this process, with the credentials in the environment."""

    def run(base_url: str | None, *args: str, token: str | None = TOKEN) -> Ran:
        for name, value in (("LAUNCHDARKLY_API_HOST", base_url), ("LAUNCHDARKLY_ACCESS_TOKEN", token)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(["export", *args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,), catalog=catalog_with_unknown_integration()) as running:
        seed(running.url)
        api(
            running.url,
            "POST",
            UNKNOWN_KEY,
            {
                "name": "Acme",
                "config": {"endpoint": "https://acme.example.com/ingest", "apiToken": "acme-throwaway-42"},
                "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
                "on": True,
            },
        )
        yield running


def test_a_non_empty_directory_is_refused_unless_forced(
    emulator: Emulator, tmp_path: Path, export: Callable[..., Ran]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    refused = export(emulator.url, "--output", str(tmp_path))

    assert refused.returncode == 2
    assert "is not empty; choose an empty or new directory, or pass --force" in refused.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]

    forced = export(emulator.url, "--output", str(tmp_path), "--force", "--stack", "prod")

    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "Pulumi.prod.yaml").is_file() and (tmp_path / "__main__.py").is_file()


def test_tags_and_integrations_narrow_the_export(
    emulator: Emulator, tmp_path: Path, export: Callable[..., Ran]
) -> None:
    result = export(
        emulator.url, "--output", str(tmp_path / "out"), "--tag", "compliance", "--integration", "splunk"
    )

    assert result.returncode == 0, result.stderr
    assert "exported 1 audit log subscription: splunk 1 into" in result.stdout
    main = (tmp_path / "out" / "__main__.py").read_text()
    assert main.count("AuditLogSubscription(\n") == 1 and '"Everything to Splunk"' in main

    both = export(
        emulator.url, "--output", str(tmp_path / "both"), "--tag", "compliance", "--tag", "production"
    )
    assert "exported 1 audit log subscription: datadog 1 into" in both.stdout


def test_an_integration_outside_the_catalog_is_exported_with_guidance(
    emulator: Emulator, tmp_path: Path, export: Callable[..., Ran]
) -> None:
    result = export(emulator.url, "--output", str(tmp_path), "--integration", UNKNOWN_KEY)

    assert result.returncode == 0, result.stderr
    assert "exported 1 audit log subscription: acme-audit 1 (not in the catalog) into" in result.stdout
    assert (
        "acme-audit: not in this provider's catalog; the stack file sets "
        'ld-auditsubs:allowUnknownIntegrations to "true"' in result.stdout
    )
    assert (
        "pulumi config set --stack dev --secret acmeApiToken  # acme-audit apiToken of 'Acme'"
        in result.stdout
    )
    assert 'ld-auditsubs:allowUnknownIntegrations: "true"' in (tmp_path / "Pulumi.dev.yaml").read_text()
    assert '"endpoint": "https://acme.example.com/ingest"' in (tmp_path / "__main__.py").read_text()
    assert "acme-throwaway-42" not in "".join(p.read_text() for p in tmp_path.iterdir())


def test_an_integration_launchdarkly_does_not_have_fails_before_writing(
    emulator: Emulator, tmp_path: Path, export: Callable[..., Ran]
) -> None:
    result = export(emulator.url, "--output", str(tmp_path / "out"), "--integration", "datadgo")

    assert result.returncode == 1
    assert (
        "error: LaunchDarkly has no integration 'datadgo'; keys in the catalog: chronosphere,"
        in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_credentials_come_from_the_environment_or_api_host(
    emulator: Emulator, tmp_path: Path, export: Callable[..., Ran]
) -> None:
    no_token = export(emulator.url, "--output", str(tmp_path / "a"), token=None)
    assert no_token.returncode == 2
    assert "no LaunchDarkly access token: set LAUNCHDARKLY_ACCESS_TOKEN" in no_token.stderr

    wrong_token = export(emulator.url, "--output", str(tmp_path / "w"), token="api-not-the-right-one")
    assert wrong_token.returncode == 1
    assert "401" in wrong_token.stderr and "api-not-the-right-one" not in wrong_token.stderr
    assert not (tmp_path / "w").exists()

    plain_http = export(None, "--output", str(tmp_path / "b"), "--api-host", "http://ld.example.com")
    assert plain_http.returncode == 2
    assert "--api-host 'http://ld.example.com' uses plain http" in plain_http.stderr

    by_flag = export(
        None, "--output", str(tmp_path / "c"), "--api-host", emulator.url, "--integration", "msteams"
    )
    assert by_flag.returncode == 0, by_flag.stderr
    assert f"from {emulator.url}" in (tmp_path / "c" / "README.md").read_text()


def test_requirements_install_this_library_the_way_it_is_installed_here() -> None:
    """From a checkout or a wheel file: that path (which exists); from an index: the version range."""
    requirement = Requirement(library_requirement())

    assert requirement.name == "pulumi-ld-auditsubs"
    if requirement.url:
        path = Path(url2pathname(urlsplit(requirement.url).path))
        assert (path / "pyproject.toml").is_file() or (path.suffix == ".whl" and path.is_file())
    else:
        assert requirement.specifier.contains(__version__)

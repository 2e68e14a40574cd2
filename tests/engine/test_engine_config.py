"""The local engine's config rules: PULUMI_LOCAL_CONFIG_<NAMESPACE>_<KEY> for every key, what refresh
and destroy need, and a Pulumi config error as one line (issue 22, item 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.testing import LocalEngine
from pulumi_ld_auditsubs.testing.engine.errors import ConfigError
from pulumi_ld_auditsubs.testing.engine.project import env_var_for, load_project, load_stack_config

from .support import HERE, TOKEN, Toy

CONFIGURED = HERE / "programs" / "configured"


@pytest.mark.parametrize(
    ("key", "variable"),
    [
        ("myaudit:streamName", "PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME"),
        ("launchdarkly:accessToken", "PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN"),
        ("ld-auditsubs:retryTimeoutSeconds", "PULUMI_LOCAL_CONFIG_LD_AUDITSUBS_RETRYTIMEOUTSECONDS"),
        ("my-proj:api.key_2", "PULUMI_LOCAL_CONFIG_MY_PROJ_API_KEY_2"),
        ("proj:größe", "PULUMI_LOCAL_CONFIG_PROJ_GR__E"),  # non-ASCII letters are not kept either
    ],
)
def test_the_variable_of_a_key(key: str, variable: str) -> None:
    assert env_var_for(key) == variable


def _project(tmp_path: Path) -> Path:
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.yaml").write_text(
        "name: proj\nruntime: python\nconfig:\n  fromDefault: {type: string, default: dflt}\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  proj:plain: file\n  proj:apiKey: {secure: AAAbbb}\n  other:flag: 'true'\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("environ", "overrides", "key", "value", "secret"),
    [
        # a plain key of the stack file: the environment replaces it, --config beats both
        ({"PULUMI_LOCAL_CONFIG_PROJ_PLAIN": "env"}, {}, "proj:plain", "env", False),
        ({"PULUMI_LOCAL_CONFIG_PROJ_PLAIN": "env"}, {"plain": "cli"}, "proj:plain", "cli", False),
        ({}, {}, "proj:plain", "file", False),
        # a project default and another namespace's key, the same way
        ({"PULUMI_LOCAL_CONFIG_PROJ_FROMDEFAULT": "env"}, {}, "proj:fromDefault", "env", False),
        ({"PULUMI_LOCAL_CONFIG_OTHER_FLAG": "false"}, {}, "other:flag", "false", False),
        # a secure key: from the environment or --config, secret either way
        ({}, {"apiKey": "cli"}, "proj:apiKey", "cli", True),
        # this library's provider settings are read even where no file names them
        ({"PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_ACCESSTOKEN": "t"}, {}, "launchdarkly:accessToken", "t", True),
        ({"PULUMI_LOCAL_CONFIG_LAUNCHDARKLY_APIHOST": "h"}, {}, "launchdarkly:apiHost", "h", False),
        (
            {"PULUMI_LOCAL_CONFIG_LD_AUDITSUBS_RETRYTIMEOUTSECONDS": "5"},
            {},
            "ld-auditsubs:retryTimeoutSeconds",
            "5",
            False,
        ),
        ({}, {"launchdarkly:accessToken": "t"}, "launchdarkly:accessToken", "t", True),
    ],
)
def test_where_each_value_comes_from(
    tmp_path: Path, environ: dict[str, str], overrides: dict[str, str], key: str, value: str, secret: bool
) -> None:
    environ = {"PULUMI_LOCAL_CONFIG_PROJ_APIKEY": "env-key", **environ}
    config = load_stack_config(load_project(_project(tmp_path)), "dev", overrides, environ=environ)
    assert config.values[key] == value
    assert (key in config.secret_keys) is secret
    assert config.values["proj:apiKey"] == overrides.get("apiKey", "env-key")


def test_a_key_only_the_environment_names_is_found_when_the_program_asks(tmp_path: Path) -> None:
    environ = {"PULUMI_LOCAL_CONFIG_PROJ_APIKEY": "k", "PULUMI_LOCAL_CONFIG_PROJ_STREAMNAME": "audit"}
    config = load_stack_config(load_project(_project(tmp_path)), "dev", environ=environ)
    assert "proj:streamName" not in config.values  # the name's case cannot be recovered from the variable
    assert config.lookup("proj:streamName") == "audit"
    assert config.lookup("proj:missing") is None
    assert "proj:streamName" not in config.secret_keys


def test_secure_values_are_needed_only_where_the_current_config_is_used(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path))
    with pytest.raises(ConfigError, match=r"proj:apiKey: pass --config proj:apiKey=VALUE or set the "):
        load_stack_config(project, "dev", environ={})
    recorded = load_stack_config(project, "dev", environ={}, require_secure=False)
    assert "proj:apiKey" not in recorded.values and "proj:apiKey" in recorded.secret_keys


def _configured(tmp_path: Path, **env: str) -> LocalEngine:
    assert not [k for k in os.environ if k.startswith("PULUMI_LOCAL_CONFIG_MYAUDIT_")]
    return LocalEngine(
        CONFIGURED, "dev", state_dir=tmp_path / "state", env=env, secrets={"myaudit:apiKey": "k3y"}
    )


def test_a_plain_key_given_only_by_its_variable_reaches_the_program(tmp_path: Path) -> None:
    engine = _configured(
        tmp_path, PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME="audit-log", PULUMI_LOCAL_CONFIG_MYAUDIT_REGION="us"
    )
    up = engine.up()
    assert up.returncode == 0, up.output
    assert '    streamName: "audit-log"' in up.stdout
    assert '    region: "us"' in up.stdout  # the variable replaces the stack file's plain value
    assert "    apiKeyLength: [secret]" in up.stdout
    assert "k3y" not in up.output and "k3y" not in engine.state_file.read_text()


def test_a_missing_key_is_one_line_naming_both_ways_to_set_it(tmp_path: Path) -> None:
    result = _configured(tmp_path).preview()
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert (
        "error: Missing required configuration variable 'myaudit:streamName': pass --config "
        "myaudit:streamName=<value> or set the environment variable PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME "
        "(with the Pulumi CLI: pulumi config set myaudit:streamName <value>)\n"
    ) in result.stderr


def test_an_ill_typed_value_is_one_line(tmp_path: Path) -> None:
    result = _configured(tmp_path, PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME="s").preview(
        config={"retries": "three"}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert "error: Configuration 'myaudit:retries' value is not a valid int\n" in result.stderr


def test_refresh_and_destroy_use_the_config_recorded_at_the_last_up(toy: Toy) -> None:
    records = [{"name": "a", "value": 1, "withToken": True}]
    assert toy.run("up", records).returncode == 0
    # no value for the stack file's secure toyprog:token now: refresh and destroy do not need it
    refresh = toy.run("refresh", records, token=None)
    assert refresh.returncode == 0, refresh.output
    assert ("read", "a") in toy.calls()
    with_program = toy.run("refresh", records, token=None, extra_args=["--run-program"])
    assert with_program.returncode == 1
    assert "toyprog:token: pass --config toyprog:token=VALUE" in with_program.stderr
    destroy = toy.run("destroy", records, token=None)
    assert destroy.returncode == 0, destroy.output
    assert toy.records() == {}
    assert TOKEN not in toy.engine.state_file.read_text()

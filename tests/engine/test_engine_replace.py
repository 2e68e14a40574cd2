"""Replacements (create-before-delete and delete-before-replace) and passphrase-encrypted state."""

from __future__ import annotations

from pathlib import Path

from .support import Toy, has_done

PASSPHRASE = {"PULUMI_CONFIG_PASSPHRASE": "correct horse battery staple"}


def test_replace_orders_and_passphrase_state(tmp_path: Path) -> None:
    toy = Toy(tmp_path, env=PASSPHRASE)
    before = [
        {"name": "cbd", "kind": "x", "value": 1},
        {"name": "opt", "kind": "x", "value": 2, "opts": {"delete_before_replace": True}},
        {"name": "prov", "kind": "x", "value": 3, "dbr": True},  # DiffResponse.deleteBeforeReplace
    ]
    assert toy.run("up", before).returncode == 0
    old_ids = {name: r["id"] for name, r in toy.resources().items()}
    assert toy.state()["secrets"]["kind"] == "passphrase"
    assert not (toy.engine.state_dir / "secrets.key").exists()

    after = [{**spec, "kind": "y"} for spec in before]
    up = toy.run("up", after)
    assert up.returncode == 0, up.output
    for name in ("cbd", "opt", "prov"):
        assert has_done(up.stdout, "+-", name, "~kind")
    assert "    +-3 replaced" in up.stdout
    calls = [c for c in toy.calls() if c[0] in ("create", "delete")]
    # create-before-delete: the new one first, the old one deleted at the end of the update
    assert calls.index(("create", "cbd")) < calls.index(("delete", "cbd"))
    assert calls[-1] == ("delete", "cbd")
    for name in ("opt", "prov"):
        assert calls.index(("delete", name)) < calls.index(("create", name))
    deleted = {e["id"] for e in toy.entries() if e["method"] == "delete"}
    assert deleted == set(old_ids.values())
    new_ids = {name: r["id"] for name, r in toy.resources().items()}
    assert set(toy.records()) == set(new_ids.values())
    assert not set(new_ids.values()) & set(old_ids.values())
    assert all(not r["pending_delete"] for r in toy.state()["resources"])

    missing = toy.run("preview", after, env={"PULUMI_CONFIG_PASSPHRASE": "wrong"})
    assert missing.returncode == 1
    assert (
        "cannot decrypt the secrets" in missing.stderr and "wrong PULUMI_CONFIG_PASSPHRASE" in missing.stderr
    )


def test_state_written_with_passphrase_needs_it(tmp_path: Path) -> None:
    toy = Toy(tmp_path, env=PASSPHRASE)
    assert toy.run("up", [{"name": "only", "value": 1}]).returncode == 0
    toy.engine.env.pop("PULUMI_CONFIG_PASSPHRASE")
    result = toy.run("preview", [{"name": "only", "value": 1}])
    assert result.returncode == 1
    assert "was encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE" in result.stderr

"""Errors a user can cause: one sentence on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "RECONTUI_DB": str(tmp_path / "cli.db"),
        "RECONTUI_PASSPHRASE": "pp",
        **(env_extra or {}),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "recontui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


def add_profile(tmp_path: Path, url: str = "http://127.0.0.1:9") -> None:
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
    proc = run(
        tmp_path,
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-url",
        url,
        "--bill-org",
        "008x",
        "--bill-user",
        "u",
        "--qbo-url",
        url,
        "--qbo-realm",
        "1",
        "--secrets-file",
        str(secrets),
    )
    assert proc.returncode == 0, proc.stderr


def test_no_profile_yet_says_how_to_create_one(tmp_path: Path) -> None:
    proc = run(tmp_path, "sync")
    assert proc.returncode == 2
    assert "recontui profile add" in proc.stderr


def test_unknown_profile_is_named(tmp_path: Path) -> None:
    add_profile(tmp_path)
    proc = run(tmp_path, "sync", "--profile", "nope")
    assert proc.returncode == 2
    assert "'nope'" in proc.stderr and "known: p" in proc.stderr


def test_unreachable_server_exits_3_with_a_next_step(tmp_path: Path, fast_backoff: None) -> None:
    add_profile(tmp_path)
    proc = run(tmp_path, "sync", "--profile", "p")
    assert proc.returncode == 3
    assert "Could not reach" in proc.stderr


def test_corrupt_database_is_reported(tmp_path: Path) -> None:
    (tmp_path / "cli.db").write_bytes(b"this is not sqlite" * 100)
    proc = run(tmp_path, "history")
    assert proc.returncode == 3
    assert "damaged or is not a recontui database" in proc.stderr


def test_secrets_need_a_passphrase_without_a_keyring(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RECONTUI_PASSPHRASE"}
    secrets = tmp_path / "s.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "recontui.cli",
            "--db",
            str(tmp_path / "x.db"),
            "profile",
            "add",
            "--no-check",
            "p",
            "--bill-url",
            "http://x",
            "--bill-org",
            "1",
            "--bill-user",
            "u",
            "--qbo-url",
            "http://x",
            "--qbo-realm",
            "1",
            "--secrets-file",
            str(secrets),
        ],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "RECONTUI_PASSPHRASE" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_secrets_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "s.json"
    bad.write_text("{not json")
    proc = run(
        tmp_path,
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-url",
        "http://x",
        "--bill-org",
        "1",
        "--bill-user",
        "u",
        "--qbo-url",
        "http://x",
        "--qbo-realm",
        "1",
        "--secrets-file",
        str(bad),
    )
    assert proc.returncode == 2
    assert "not valid JSON" in proc.stderr


@pytest.mark.parametrize("args", [["conflicts", "show", "99"], ["log", "99"]])
def test_unknown_ids_are_reported(tmp_path: Path, args: list[str]) -> None:
    add_profile(tmp_path)
    proc = run(tmp_path, *args)
    assert proc.returncode == 2
    assert "99" in proc.stderr


def test_profile_commands_never_show_secrets_and_remove_cleans_up(tmp_path: Path) -> None:
    import json

    add_profile(tmp_path)
    listed = json.loads(run(tmp_path, "profile", "list", "--json").stdout)
    assert listed == [{"name": "p", "default": True, "a": "bill", "b": "qbo"}]
    shown = run(tmp_path, "profile", "show", "p", "--json").stdout
    for secret in ("client_id", "client_secret", "refresh_token", "dev_key", "password"):
        assert f'"{secret}"' not in shown
    assert json.loads(shown)["billing"]["organization_id"] == "008x"
    removed = run(tmp_path, "profile", "remove", "p", "--yes")
    assert removed.returncode == 0
    from recontui.secrets import open_secret_store

    store = open_secret_store(
        tmp_path / "cli.db.secrets", env={"RECONTUI_PASSPHRASE": "pp"}, use_keyring=False
    )
    assert store.get("p", "password") is None
    assert run(tmp_path, "sync", "--profile", "p").returncode == 2


def test_a_bad_rate_setting_is_refused_when_the_profile_is_saved(tmp_path):
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
    proc = run(
        tmp_path,
        "profile",
        "add",
        "--no-check",
        "p",
        "--bill-org",
        "008x",
        "--bill-user",
        "u",
        "--qbo-realm",
        "1",
        "--qbo-rate-limit",
        "lots",
        "--secrets-file",
        str(secrets),
    )
    assert proc.returncode == 2
    assert "--qbo-rate-limit" in proc.stderr and "whole number" in proc.stderr

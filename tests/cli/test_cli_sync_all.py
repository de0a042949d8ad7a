"""`recontui sync --all [--if-due]` and `recontui schedule --cron|--systemd`: the printed
crontab line and systemd units, run as printed against stand-ins on 127.0.0.1, sync the
profiles that are due, skip the rest, and one profile's failure never stops the others."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cheap_secrets_cli import recontui_writing_cheap_secrets
from cli_run import recontui

from recontui.schedule import cron_text, sync_all_command, systemd_text
from recontui.setup.progress import DONE_KEY
from recontui.store import open_store

PASSPHRASE = "a passphrase with spaces"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return recontui(env, *args)


def serve(env: dict[str, str], profile: str) -> subprocess.Popen:
    server = subprocess.Popen(
        recontui_writing_cheap_secrets(
            "sandbox", "serve", "--scenario", "demo", "--profile", profile, "--port", "0"
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    line = server.stdout.readline() if server.stdout else ""
    assert line, server.stderr.read() if server.stderr else ""
    assert json.loads(line)["base_url"].startswith("http://127.0.0.1:")
    return server


@pytest.fixture
def home(tmp_path: Path, fast_backoff: None) -> Iterator[dict[str, str]]:
    """Four profiles on one database: two on stand-ins (alpha, beta), one whose servers are
    unreachable (aaa-down, first by name), one whose setup is unfinished (gamma)."""
    env = {
        **os.environ,
        "RECONTUI_DB": str(tmp_path / "state.db"),
        "RECONTUI_PASSPHRASE": PASSPHRASE,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("RECONTUI_PLAINTEXT_SECRETS", None)
    servers = [serve(env, "alpha"), serve(env, "beta")]
    try:
        secrets = tmp_path / "secrets.txt"
        secrets.write_text("dev_key=a\npassword=b\nclient_id=c\nclient_secret=d\nrefresh_token=e\n")
        for name in ("aaa-down", "gamma"):
            added = cli(
                env,
                *("profile", "add", "--no-check", name, "--bill-url", "http://127.0.0.1:9"),
                *("--bill-org", "008x", "--bill-user", "u", "--qbo-url", "http://127.0.0.1:9"),
                *("--qbo-realm", "1", "--secrets-file", str(secrets)),
            )
            assert added.returncode == 0, added.stderr
        store = open_store(tmp_path / "state.db")
        for name, schedule in [
            ("aaa-down", "every 15 minutes"),
            ("alpha", "every 15 minutes"),
            ("beta", "off"),
            ("gamma", "every 15 minutes"),
        ]:
            store.set_setting(store.get_profile(name).id, "schedule", schedule, actor="test")
        store.set_setting(store.get_profile("gamma").id, DONE_KEY, False, actor="test")
        store.close()
        yield env
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def runs_by_profile(db: str) -> dict[str, list[tuple[str, str]]]:
    store = open_store(db)
    try:
        return {
            p.name: [(r["status"], r["trigger"]) for r in store.runs(p.id)]
            for p in store.list_profiles()
        }
    finally:
        store.close()


def set_schedule(db: str, profile: str, text: str) -> None:
    store = open_store(db)
    store.set_setting(store.get_profile(profile).id, "schedule", text, actor="test")
    store.close()


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    """The environment cron or systemd gives: no database path, no passphrase."""
    return {k: v for k, v in env.items() if k not in ("RECONTUI_DB", "RECONTUI_PASSPHRASE")}


def test_the_printed_cron_line_and_units_sync_the_due_profiles(
    home: dict[str, str], tmp_path: Path
) -> None:
    db = home["RECONTUI_DB"]
    env_file = tmp_path / "config" / "recontui" / "sync.env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text(f"RECONTUI_PASSPHRASE='{PASSPHRASE}'\n")  # the person writes it
    log = tmp_path / "state" / "recontui" / "sync.log"
    log.parent.mkdir(parents=True)

    printed = cli(home, "schedule", "--cron")
    assert printed.returncode == 0 and PASSPHRASE not in printed.stdout
    line = printed.stdout.splitlines()[-1]
    assert line.startswith("* * * * * ") and f"--db {db} sync --all --if-due" in line
    assert str(env_file) in line and f">> {log} 2>&1" in line
    command = line.split(" ", 5)[5].replace("\\%", "%")  # cron's own unescaping
    ran = subprocess.run(
        ["/bin/sh", "-c", command], env=without_secrets(home), cwd=tmp_path, timeout=120
    )
    assert ran.returncode == 3  # the worst: aaa-down could not be reached
    out = log.read_text()
    assert "== Profile 'alpha' ==" in out and "Profile 'beta'" not in out
    assert "Profile 'gamma': skipped, its setup is unfinished" in out
    assert "== Profile 'aaa-down' ==" in out
    runs = runs_by_profile(db)
    assert [s for s, _ in runs["aaa-down"]] == ["failed"]  # it ran first, and failed ...
    assert [s for s, _ in runs["alpha"]] == ["ok"]  # ... which did not stop alpha
    assert runs["beta"] == [] and runs["gamma"] == []

    set_schedule(db, "beta", "every 30 minutes")  # now due: never ran
    units = cli(home, "schedule", "--systemd")
    assert units.returncode == 0 and PASSPHRASE not in units.stdout
    lines = units.stdout.splitlines()
    environment = next(x for x in lines if x.startswith("EnvironmentFile="))
    assert environment == f"EnvironmentFile=-{env_file}"
    exec_start = next(x for x in lines if x.startswith("ExecStart="))
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert argv[-5:] == ["--db", db, "sync", "--all", "--if-due"]
    key, _, value = env_file.read_text().strip().partition("=")
    env = {**without_secrets(home), key: value.strip("'")}  # as systemd reads the file
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr  # aaa-down's failed run restarted its interval
    assert "== Profile 'beta' ==" in done.stdout and "Profile 'alpha'" not in done.stdout
    runs = runs_by_profile(db)
    assert [s for s, _ in runs["beta"]] == ["ok"] and len(runs["alpha"]) == 1


def test_sync_all_refuses_profile_and_json(home: dict[str, str]) -> None:
    for extra in (["--profile", "alpha"], ["--json"]):
        refused = cli(home, "sync", "--all", *extra)
        assert refused.returncode == 2
        assert "--profile and --json" in refused.stderr
    assert all(runs == [] for runs in runs_by_profile(home["RECONTUI_DB"]).values())


def test_cron_and_systemd_text_exactly() -> None:
    command = sync_all_command(["/opt/re con/bin/recontui"], Path("/data/100%/r.db"))
    assert command == [
        "/opt/re con/bin/recontui",
        "--db",
        "/data/100%/r.db",
        *("sync", "--all", "--if-due"),
    ]
    cron = cron_text(command, Path("/s/recontui/sync.log"), Path("/c/recontui/sync.env"))
    assert cron.splitlines()[-1] == (
        "* * * * * set -a; [ -r /c/recontui/sync.env ] && . /c/recontui/sync.env; set +a; "
        "'/opt/re con/bin/recontui' --db /data/100\\%/r.db sync --all --if-due "
        ">> /s/recontui/sync.log 2>&1"
    )
    assert "# directory first: mkdir -p /s/recontui" in cron
    assert all(x.startswith("#") for x in cron.splitlines()[:-1])
    units = systemd_text(command, Path("/c/recontui/sync.env"), Path("/c/systemd/user"))
    assert (
        'ExecStart="/opt/re con/bin/recontui" --db /data/100%%/r.db sync --all --if-due\n' in units
    )
    assert "EnvironmentFile=-/c/recontui/sync.env\n" in units
    assert "#   mkdir -p /c/systemd/user\n" in units
    assert "#   systemctl --user enable --now recontui-sync.timer\n" in units
    assert "[Timer]\nOnCalendar=*-*-* *:*:00\nAccuracySec=5s\n" in units
    assert "[Service]\nType=oneshot\n" in units and "WantedBy=timers.target\n" in units

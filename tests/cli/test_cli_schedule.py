"""`recontui sync --if-due`: cron calls it often; it runs only when the schedule says so."""

from __future__ import annotations

from pathlib import Path

from test_cli_errors import add_profile, run

from recontui.store import open_store


def set_schedule(tmp_path: Path, text: str) -> None:
    store = open_store(tmp_path / "cli.db")
    store.set_setting(store.get_profile("p").id, "schedule", text, actor="test")
    store.close()


def run_count(tmp_path: Path) -> int:
    store = open_store(tmp_path / "cli.db")
    try:
        return len(store.runs())
    finally:
        store.close()


def test_if_due_runs_only_when_the_schedule_says_so(tmp_path, fast_backoff):
    add_profile(tmp_path)  # its servers are unreachable: a run that starts fails (exit 3)
    off = run(tmp_path, "sync", "--if-due")
    assert (off.returncode, off.stdout, off.stderr) == (0, "", "")  # silent for cron
    assert run_count(tmp_path) == 0
    assert "no schedule" in run(tmp_path, "sync", "--if-due", "-v").stdout

    set_schedule(tmp_path, "every 2 hours")
    due = run(tmp_path, "sync", "--if-due")
    assert due.returncode == 3 and run_count(tmp_path) == 1  # never ran: due, and it ran

    not_yet = run(tmp_path, "sync", "--if-due", "-v")
    assert not_yet.returncode == 0 and run_count(tmp_path) == 1
    assert "Not due: the next run (every 2 hours) is at" in not_yet.stdout

    set_schedule(tmp_path, "now and then")
    bad = run(tmp_path, "sync", "--if-due")
    assert bad.returncode == 3
    assert "is not valid" in bad.stderr and "Preferences" in bad.stderr


def test_keys_lists_binding_ids_and_the_config_path(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"resolve.pick_a" = "1"\n')
    out = run(tmp_path, "keys", env_extra={"RECONTUI_CONFIG": str(config)})
    assert out.returncode == 0
    assert str(config) in out.stdout
    line = next(x for x in out.stdout.splitlines() if x.startswith("resolve.pick_a"))
    assert "1 (default a)" in line

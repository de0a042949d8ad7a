"""`recontui`, `recontui tui` and `recontui demo` open the console; headless paths never
import Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recontui import cli
from recontui.tui import ReconApp


@pytest.fixture
def opened(monkeypatch):
    # In a terminal: without one the console is refused before it starts (cli.require_terminal).
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    seen: list[ReconApp] = []

    def run(self, *a, **k):
        self.run_kwargs = k
        seen.append(self)

    monkeypatch.setattr(ReconApp, "run", run)
    return seen


def test_no_mouse_leaves_the_mouse_to_the_terminal(world, opened, monkeypatch):
    monkeypatch.setenv("RECONTUI_PASSPHRASE", "tui-tests")
    assert cli.main(["--db", str(world.store.path), "tui", "--profile", "t"]) == 0
    assert cli.main(["--db", str(world.store.path), "tui", "--no-mouse"]) == 0
    assert [app.run_kwargs.get("mouse") for app in opened] == [True, False]


def test_tui_command_opens_the_console_on_the_profile(world, opened, monkeypatch):
    monkeypatch.setenv("RECONTUI_PASSPHRASE", "tui-tests")
    assert cli.main(["--db", str(world.store.path), "tui", "--profile", "t"]) == 0
    assert [app.profile.name for app in opened] == ["t"]


def test_no_command_opens_the_console_in_a_terminal(world, opened, monkeypatch):
    monkeypatch.setenv("RECONTUI_PASSPHRASE", "tui-tests")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main(["--db", str(world.store.path)]) == 0
    assert len(opened) == 1


def test_demo_opens_the_console_on_the_demo_profile(tmp_path, opened):
    assert cli.main(["--db", str(tmp_path / "demo.db"), "demo"]) == 0
    assert [(app.profile.name, app.a_label, app.b_label) for app in opened] == [
        ("demo", "BILL", "QuickBooks Online")
    ]


def test_headless_cli_never_imports_textual():
    code = (
        "import sys, recontui.cli as c; c.build_parser(); "
        "sys.exit(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0

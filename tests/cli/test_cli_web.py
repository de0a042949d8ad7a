"""`recontui web`: the console in a browser, served on this machine only (issue 14, "Beyond
the terminal"). A browser tab's websocket starts `recontui tui` with Textual's web driver
and the console draws into it; an address other machines could reach is refused."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from cli_state import cli, one_sentence, seed

from recontui.cli import CliError, require_terminal
from recontui.web import WEB_DRIVER, check_host, console_command, loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_only_loopback_addresses_are_served() -> None:
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("0.0.0.0") and not loopback("10.0.0.5") and not loopback("example.com")
    check_host("127.0.0.1", 8765)


def test_a_public_address_is_refused_with_the_way_in(tmp_path: Path) -> None:
    seed(tmp_path / "cli.db")
    proc = cli(tmp_path, "web", "--host", "0.0.0.0", "--port", "8765")
    assert proc.returncode == 2
    assert one_sentence(proc.stderr)
    assert "ssh -L 8765:127.0.0.1:8765" in proc.stderr


def test_the_browsers_console_is_not_refused_for_want_of_a_terminal(monkeypatch) -> None:
    """A browser tab's console has pipes, not a terminal: Textual's web driver draws it."""
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    with pytest.raises(CliError):
        require_terminal("recontui tui")
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)
    require_terminal("recontui tui")


def test_console_command_runs_this_python_on_this_database(tmp_path: Path) -> None:
    command = console_command(tmp_path / "a b.db", "p")
    assert command.startswith(sys.executable) and "'" in command  # the space is quoted
    assert command.endswith("tui --profile p")


async def console_text(port: int, needle: str, deadline: float) -> str:
    """What the console draws into a browser tab's websocket, until ``needle`` shows."""
    seen = ""
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24")
                break
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        async with ws:
            while needle not in seen and time.monotonic() < deadline:
                try:
                    message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    break
                if message.type == aiohttp.WSMsgType.TEXT:
                    seen += message.data
                elif message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data.decode("utf-8", "replace")
                elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
    return seen


def test_a_browser_tab_gets_the_console(tmp_path: Path) -> None:
    seed(tmp_path / "cli.db")
    port = free_port()
    env = {**os.environ, "RECONTUI_DB": str(tmp_path / "cli.db"), "RECONTUI_PASSPHRASE": "pp"}
    server = subprocess.Popen(
        [sys.executable, "-m", "recontui.cli", "web", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        text = asyncio.run(console_text(port, "Billing", time.monotonic() + 30))
        assert "Billing" in text and "Accounting" in text, text[-2000:]
    finally:
        server.terminate()
        out, err = server.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}" in out
    assert "Traceback" not in err, err

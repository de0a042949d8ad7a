"""`recontui sandbox serve --port` on a port already in use: one sentence, exit 2 (a bad
--port, like the CLI's other bad options), no traceback (issue 9, finding 4e)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cli_state import cli

from recontui.sandbox import RunningSandbox
from recontui.sandbox.server import PortUnavailable


def test_a_busy_port_is_one_sentence(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        proc = cli(tmp_path, "sandbox", "serve", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"recontui: port {port} on 127.0.0.1 is in use; choose another with --port, "
        "or 0 for a free one."
    )
    assert proc.stdout == ""


def test_the_background_server_says_the_same() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(PortUnavailable, match=f"port {port} on 127.0.0.1 is in use"):
            RunningSandbox(port=port).start()


def test_a_free_port_still_serves() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with RunningSandbox(port=port) as running:
        assert running.base_url == f"http://127.0.0.1:{port}"

"""`recontui web`: the same console in a browser, for people who cannot open a terminal.

textual-serve (https://github.com/Textualize/textual-serve) serves a page on this machine;
each browser tab that opens it starts its own `recontui tui` (Textual's web driver draws
it in the page). It listens on the loopback address only: nothing else on the network can
reach it. From another machine, a person forwards the port over SSH first
(`ssh -L 8765:127.0.0.1:8765 server`, then http://127.0.0.1:8765 in the browser), so the
SSH login is the door, as it is for the terminal console.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path

#: The port `recontui web` listens on unless told otherwise.
DEFAULT_PORT = 8765
#: Textual's web driver, as textual-serve names it in the environment of each app it starts.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


class WebError(Exception):
    """A setting `recontui web` refuses, in one sentence."""


def loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, port: int) -> None:
    """Refuse an address other machines could reach: the console holds the books."""
    if not loopback(host):
        raise WebError(
            f"recontui web serves on this machine only (127.0.0.1), not on {host}: reach it "
            f"from your computer with `ssh -L {port}:127.0.0.1:{port} <this server>`, then "
            f"open http://127.0.0.1:{port}."
        )
    if not 0 < port < 65536:
        raise WebError(f"Port {port} is not a port number: use one from 1024 to 65535.")


def console_command(db: Path, profile: str) -> str:
    """The command each browser tab runs: this Python's `recontui tui` on ``db``."""
    parts = [sys.executable, "-m", "recontui", "--db", str(db), "tui", "--profile", profile]
    return " ".join(shlex.quote(part) for part in parts)


def serve(command: str, host: str, port: int, title: str) -> None:
    """Serve ``command`` in the browser until interrupted (textual-serve's server)."""
    from textual_serve.server import Server

    Server(command, host=host, port=port, title=title).serve()
